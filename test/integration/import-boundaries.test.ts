/**
 * The import-boundary check that `npm run lint` runs (scripts/check-imports.mjs): the repository passes it, and each
 * forbidden arrow of docs/architecture.md makes it fail, naming the file and the arrow.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { violations, webViolations } from '../../scripts/check-imports.mjs';

const check = violations as (src?: string) => string[];
const checkWeb = webViolations as (web?: string, src?: string) => string[];
const dirs: string[] = [];

/** A src/ tree with one file importing another. */
function tree(from: string, to: string): string {
  const root = mkdtempSync(join(tmpdir(), 'orcha-imports-'));
  dirs.push(root);
  const src = join(root, 'src');
  for (const [path, text] of [
    [from, `import { x } from '${relativeSpec(from, to)}';\nexport const y = x;\n`],
    [to, 'export const x = 1;\n'],
  ] as const) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

function relativeSpec(from: string, to: string): string {
  const up = from.split('/').length - 1;
  return `${'../'.repeat(up) || './'}${to.replace(/\.ts$/, '.js')}`;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('import boundaries', () => {
  it('hold in this repository', () => {
    expect(check()).toEqual([]);
  });

  it.each([
    ['engine/x.ts', 'http/app.ts', 'engine -> http'],
    ['domain/x.ts', 'lib/clock.ts', 'domain -> lib'],
    ['domain/x.ts', 'config/schema.ts', 'domain -> config'],
    ['adapters/x.ts', 'store/index.ts', 'adapters -> store'],
    ['store/x.ts', 'engine/coordinator.ts', 'store -> engine'],
    ['store/x.ts', 'http/app.ts', 'store -> http'],
    ['auth/x.ts', 'http/plugins/security.ts', 'auth -> http'],
    ['app/x.ts', 'http/app.ts', 'app -> http'],
    ['infra/x.ts', 'app/config-service.ts', 'infra -> app'],
    ['infra/x.ts', 'store/index.ts', 'infra -> store'],
  ])('refuse %s importing %s (%s)', (from, to, arrow) => {
    const found = check(tree(from, to));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`src/${from}: ${arrow}`);
  });

  it.each([
    ['http/x.ts', 'app/types.ts'],
    ['engine/x.ts', 'domain/plan.ts'],
    ['app/x.ts', 'http/schemas/views.ts'],
    ['main.ts', 'http/app.ts'],
  ])('allow %s importing %s', (from, to) => {
    expect(check(tree(from, to))).toEqual([]);
  });

  describe('the dashboard (web/src) and the server\'s types', () => {
    /** web/src/views/x.ts with one import line of a file under src/. */
    function webTree(line: string): { web: string; src: string } {
      const root = mkdtempSync(join(tmpdir(), 'orcha-web-imports-'));
      dirs.push(root);
      mkdirSync(join(root, 'web', 'src', 'views'), { recursive: true });
      writeFileSync(join(root, 'web', 'src', 'views', 'x.ts'), `${line}\nexport const y = 1;\n`);
      return { web: join(root, 'web', 'src'), src: join(root, 'src') };
    }

    it('hold in this repository', () => {
      expect(checkWeb()).toEqual([]);
    });

    it.each([
      "import type { NodeHealth } from '../../../src/domain/health';",
      "import type { History } from '../../../src/http/schemas/views';",
      "export type { Plan } from '../../../src/domain/plan.js';",
    ])('allow %s', (line) => {
      const { web, src } = webTree(line);
      expect(checkWeb(web, src)).toEqual([]);
    });

    it.each([
      ["import { RESOURCES } from '../../../src/domain/resources';", 'must be a type-only import'],
      ["import { type Plan } from '../../../src/domain/plan';", 'must be a type-only import'],
      ["import type { Store } from '../../../src/store/types';", 'src/store/types is not allowed'],
      ["const m = import('../../../src/domain/plan');", 'must be a type-only import'],
    ])('refuse %s', (line, reason) => {
      const { web, src } = webTree(line);
      const found = checkWeb(web, src);
      expect(found).toHaveLength(1);
      expect(found[0]).toContain('web/src/views/x.ts: web -> src/');
      expect(found[0]).toContain(reason);
    });
  });
});
