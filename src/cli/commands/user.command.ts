import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ROLES, type Role } from '../../auth/roles.js';
import { OrchaError } from '../../lib/errors.js';
import { action, printJson, printLine } from '../output.js';

const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;

interface UserPasswdOptions {
  password?: string;
  passwordStdin?: boolean;
  config?: string;
  json?: boolean;
}

interface UserAddOptions {
  role: Role;
  password?: string;
  passwordStdin?: boolean;
  config?: string;
  json?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function checkPassword(password: string): Promise<string> {
  // passwords.js loads the native argon2 binding: only when a user is being added.
  const { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } = await import('../../auth/passwords.js');
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new InvalidArgumentError(`password: must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
  return password;
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('Manage users (works on the database directly, like migrate)');
  user
    .command('add')
    .description('Create a user; without --password one is generated and printed once')
    .argument('<username>', 'letters, digits, . _ - (up to 64)', (v: string) => {
      if (!USERNAME.test(v)) throw new InvalidArgumentError('use letters, digits, . _ - (1 to 64 characters)');
      return v;
    })
    .addOption(new Option('-r, --role <role>', 'what the user may do').choices([...ROLES]).makeOptionMandatory())
    .addOption(new Option('--password <password>', 'the password (visible in shell history; prefer --password-stdin)').env('ORCHA_NEW_PASSWORD'))
    .option('--password-stdin', 'read the password from standard input')
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (username: string, opts: UserAddOptions) => {
        const given = opts.passwordStdin ? await readStdin() : opts.password;
        const generated = given === undefined;
        const password = await checkPassword(given ?? randomBytes(18).toString('base64url'));
        const { openLocal } = await import('./local.js');
        const local = await openLocal(opts.config);
        try {
          const created = await local.auth.createUser({ username, password, role: opts.role });
          await local.audit('user.create', `user:${username}`, { role: opts.role });
          if (opts.json) return printJson({ ...created, ...(generated ? { password } : {}) });
          printLine(`created user ${created.username} (${created.role})`);
          if (generated) printLine(`password: ${password}\n(shown once; it is stored only as a hash)`);
        } finally {
          await local.close();
        }
      }),
    );
  user
    .command('passwd')
    .description("Set a user's password (an admin reset: ends their sessions); without --password one is generated and printed once")
    .argument('<username>', 'the user whose password changes')
    .addOption(new Option('--password <password>', 'the new password (visible in shell history; prefer --password-stdin)').env('ORCHA_NEW_PASSWORD'))
    .option('--password-stdin', 'read the new password from standard input')
    .option('-c, --config <file>', 'config file (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--json', 'machine-readable output')
    .action(
      action(async (username: string, opts: UserPasswdOptions) => {
        const given = opts.passwordStdin ? await readStdin() : opts.password;
        const generated = given === undefined;
        const password = await checkPassword(given ?? randomBytes(18).toString('base64url'));
        const { openLocal } = await import('./local.js');
        const local = await openLocal(opts.config);
        try {
          const found = (await local.auth.listUsers()).find((u) => u.username === username);
          if (!found) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `no user named ${username}`);
          await local.auth.updateUser(found.id, { password });
          await local.audit('user.password', `user:${found.id}`, { username });
          if (opts.json) return printJson({ ...found, ...(generated ? { password } : {}) });
          printLine(`password of ${username} changed; their sessions are ended`);
          if (generated) printLine(`password: ${password}\n(shown once; it is stored only as a hash)`);
        } finally {
          await local.close();
        }
      }),
    );
}
