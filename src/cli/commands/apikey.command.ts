import { type Command, InvalidArgumentError, Option } from 'commander';
import { ROLES, type Role } from '../../auth/roles.js';
import { OrchaError } from '../../lib/errors.js';
import { action, printJson, printLine, printTable } from '../output.js';
import { showTime } from './common.js';

interface LocalOptions {
  config?: string;
  json?: boolean;
}

interface ApiKeyCreateOptions {
  name: string;
  role: Role;
  config?: string;
  json?: boolean;
}

export function registerApiKeyCommands(program: Command): void {
  const apikey = program.command('apikey').description('Manage API keys (works on the database directly, like migrate)');
  apikey
    .command('create')
    .description('Create an API key for scripts and integrations; the key is printed once')
    .requiredOption('--name <name>', 'what the key is for (shown in listings)')
    .addOption(new Option('-r, --role <role>', 'what the key may do').choices([...ROLES]).default('viewer'))
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: ApiKeyCreateOptions) => {
        // The database and auth modules load only when the command runs.
        const { openLocal } = await import('./local.js');
        const local = await openLocal(opts.config);
        try {
          const created = await local.auth.createApiKey({ name: opts.name, role: opts.role, createdBy: null });
          await local.audit('apikey.create', `apikey:${created.id}`, { name: opts.name, role: opts.role });
          if (opts.json) return printJson(created);
          printLine(`created API key "${created.name}" (${created.role}), id ${created.id}`);
          printLine(`key: ${created.key}\n(shown once; use it as ORCHA_TOKEN or "Authorization: Bearer <key>")`);
        } finally {
          await local.close();
        }
      }),
    );
  apikey
    .command('list')
    .description('List API keys: id, name, role, prefix, created, last used, revoked (never the key itself)')
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: LocalOptions) => {
        const { openLocal } = await import('./local.js');
        const local = await openLocal(opts.config);
        try {
          const keys = await local.auth.listApiKeys();
          if (opts.json) return printJson(keys);
          printTable(
            ['id', 'name', 'role', 'prefix', 'created', 'last used', 'revoked'],
            keys.map((k) => [k.id, k.name, k.role, k.prefix, showTime(k.createdAt), showTime(k.lastUsedAt), showTime(k.revokedAt)]),
          );
        } finally {
          await local.close();
        }
      }),
    );
  apikey
    .command('revoke')
    .description('Revoke an API key by id or by name (a name must be unique among live keys)')
    .argument('<key>', 'the id or the name from `orcha apikey list`')
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (which: string, opts: LocalOptions) => {
        const { openLocal } = await import('./local.js');
        const local = await openLocal(opts.config);
        try {
          const live = (await local.auth.listApiKeys()).filter((k) => k.revokedAt === null);
          const byId = live.find((k) => k.id === which);
          const byName = live.filter((k) => k.name === which);
          if (!byId && byName.length > 1) {
            throw new InvalidArgumentError(`${byName.length} live keys are named "${which}": revoke one by id (orcha apikey list)`);
          }
          const key = byId ?? byName[0];
          if (!key) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `no live API key with id or name "${which}"`);
          await local.auth.revokeApiKey(key.id);
          await local.audit('apikey.revoke', `apikey:${key.id}`, { name: key.name });
          if (opts.json) return printJson({ revoked: key.id, name: key.name });
          printLine(`revoked API key "${key.name}" (${key.id})`);
        } finally {
          await local.close();
        }
      }),
    );
}
