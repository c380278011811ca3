import { type Command, Option } from 'commander';
import { ROLES, type Role } from '../../auth/roles.js';
import { action, printJson, printLine } from '../output.js';

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
}
