/**
 * A fault-injection point for the agent's process tests, off unless `ORCHA_FAULT_KILL_AFTER_SPOOL` is set: with
 * `snapshot:N` (or `energy:N`) the agent SIGKILLs itself right after spooling its Nth snapshot (energy point) of this
 * run, before the local store writes it. That instant is the one a test cannot hit by killing from outside.
 */
export type SpoolFault = (kind: 'snapshot' | 'energy') => void;

export function spoolFault(env: NodeJS.ProcessEnv = process.env): SpoolFault {
  const match = /^(snapshot|energy):([1-9]\d*)$/.exec(env.ORCHA_FAULT_KILL_AFTER_SPOOL ?? '');
  if (!match) return () => undefined;
  const kind = match[1];
  let left = Number(match[2]);
  return (spooled) => {
    if (spooled === kind && --left === 0) process.kill(process.pid, 'SIGKILL');
  };
}
