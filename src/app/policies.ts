import type { Policy } from '../config/schema.js';
import type { Plan } from '../domain/plan.js';
import { OrchaError } from '../lib/errors.js';
import type { ConfigService } from './config-service.js';

/**
 * Policies live in the config (`policies:`), so every change goes through the config service's one path:
 * validated with the whole config, written to the file, applied and announced like any other config change.
 */
export interface PoliciesService {
  list(): Policy[];
  get(name: string): Policy;
  create(policy: Policy): Promise<Policy>;
  replace(name: string, policy: Policy): Promise<Policy>;
  remove(name: string): Promise<void>;
  /** Dry-run the optimizer with this policy (alone, enabled) against the current state. */
  test(name: string): Promise<Plan>;
}

export interface PoliciesOptions {
  config: ConfigService;
  /** Plan the optimizer would give with these policies in force instead of the configured ones. */
  planWith: (policies: Policy[]) => Promise<Plan>;
}

export function createPoliciesService(options: PoliciesOptions): PoliciesService {
  const { config } = options;
  const all = () => config.current().policies;

  function find(name: string): Policy {
    const policy = all().find((p) => p.name === name);
    if (!policy) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `No policy named ${name}`);
    return policy;
  }

  async function save(policies: Policy[]): Promise<void> {
    await config.update((raw) => ({ ...raw, policies }));
  }

  return {
    list: () => all(),
    get: find,

    async create(policy) {
      if (all().some((p) => p.name === policy.name)) {
        throw new OrchaError('ORCHA_ERR_CONFLICT', `A policy named ${policy.name} already exists`, [
          { path: 'body.name', message: 'is already used by another policy' },
        ]);
      }
      await save([...all(), policy]);
      return find(policy.name);
    },

    async replace(name, policy) {
      find(name);
      if (policy.name !== name && all().some((p) => p.name === policy.name)) {
        throw new OrchaError('ORCHA_ERR_CONFLICT', `A policy named ${policy.name} already exists`, [
          { path: 'body.name', message: 'is already used by another policy' },
        ]);
      }
      await save(all().map((p) => (p.name === name ? policy : p)));
      return find(policy.name);
    },

    async remove(name) {
      find(name);
      await save(all().filter((p) => p.name !== name));
    },

    async test(name) {
      const policy = find(name);
      return options.planWith([{ ...policy, enabled: true }]);
    },
  };
}
