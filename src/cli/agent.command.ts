import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';

interface AgentCliOptions {
  server?: string;
  key?: string;
  config?: string;
  demo?: boolean;
  flushInterval: string;
}

function checkServer(value: string | undefined): string {
  if (!value) throw new InvalidArgumentError('--server (or ORCHA_SERVER) is required: the control plane URL, e.g. https://orcha.example:8080');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`--server: "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('--server: must be an http:// or https:// URL');
  return url.toString().replace(/\/+$/, '');
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description("Run this host's adapters and executors and report to a control plane (spools locally while it is unreachable)")
    .option('--server <url>', 'control plane URL (or $ORCHA_SERVER)')
    .option('--key <key>', 'agent key from `orcha host add` (or $ORCHA_AGENT_KEY, which keeps it out of the process list)')
    .option('-c, --config <file>', 'config file for the local nodes (default: $ORCHA_CONFIG or ./orcha.yaml)')
    .option('--demo', 'run the built-in node simulators instead of real nodes')
    .option('--flush-interval <seconds>', 'how often the spool is sent', '10')
    .action(async (opts: AgentCliOptions) => {
      const server = checkServer(opts.server ?? process.env.ORCHA_SERVER);
      const key = opts.key ?? process.env.ORCHA_AGENT_KEY;
      const { agentKeyPrefix } = await import('../fleet/agent-keys.js');
      if (!key || !agentKeyPrefix(key)) {
        throw new InvalidArgumentError('--key (or ORCHA_AGENT_KEY) must be an agent key printed by `orcha host add` (orcha-agent_...)');
      }
      const interval = Number(opts.flushInterval);
      if (!Number.isFinite(interval) || interval < 1 || interval > 3600) {
        throw new InvalidArgumentError('--flush-interval: seconds between 1 and 3600');
      }
      const [{ loadConfig }, { createLogger }, { startAgent }] = await Promise.all([
        import('../config/load.js'),
        import('../lib/logger.js'),
        import('../fleet/agent.js'),
      ]);
      const loaded = loadConfig(opts.config);
      const log = createLogger({ level: loaded.config.log.level });
      // Signals are handled from the start: a stop while starting waits for the start, then shuts down cleanly
      // (the spool's last send included), instead of dying with batches unsent.
      let stopRequested: string | null = null;
      let agent: Awaited<ReturnType<typeof startAgent>> | null = null;
      const shutdown = async (signal: string) => {
        if (!agent) {
          stopRequested = signal;
          return;
        }
        log.info({ signal, spool: agent.spool.counts() }, 'agent shutting down');
        await agent.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
      agent = await startAgent({ server, key, loaded, log, demo: opts.demo, flushIntervalMs: interval * 1000 });
      console.log(`orcha agent reporting to ${server}`);
      if (stopRequested) await shutdown(stopRequested);
    });
}
