import type { Resource, ResourceShares } from '../domain/resources.js';
import type { HostResources } from '../domain/sample.js';

/**
 * Applies one protocol's allocation to the real world. One instance per protocol (its config's `executor`).
 * Shares are percent of the host; `host` turns them into absolute limits (NanoCpus, bytes).
 */
export interface Executor {
  readonly type: 'dry-run' | 'docker' | 'storj-config' | 'simulator';
  readonly protocol: string;
  /** Throws (ORCHA_ERR_EXECUTOR / ORCHA_ERR_DEPENDENCY_DOWN) when the target cannot be reached. */
  check(): Promise<void>;
  /** The allocation the target holds now, when the executor can read it back; null when it cannot tell. */
  read(host: HostResources): Promise<ResourceShares | null>;
  /** Apply the shares; resolves once the target accepted them. Throws ORCHA_ERR_EXECUTOR on failure. */
  apply(shares: ResourceShares, host: HostResources): Promise<void>;
  /** Whether applying a change restarts the node (switching cost). */
  readonly restartsOnChange: boolean;
  /**
   * The resources this executor actually enforces and reads back (docker: cpu, memory; storj-config: storage).
   * Verification after a step compares only these. Omitted = all four.
   */
  readonly controls?: readonly Resource[];
}

/**
 * Node simulators expose a control endpoint that the `simulator` executor calls, so the simulated earnings
 * respond to allocations exactly as a real node responds to Docker limits:
 *   PUT  {endpoint}/__sim/allocation   body: ResourceShares   -> 204
 *   GET  {endpoint}/__sim/allocation                          -> ResourceShares
 *   PUT  {endpoint}/__sim/fault        body: { fault: SimFault | null } -> 204
 */
export const SIM_CONTROL_PREFIX = '/__sim';
