import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { HOST_NAME_PATTERN } from '../domain/host.js';
import { ProfileOverrideSchema } from '../domain/profile.js';
import { ProtocolTypeSchema } from '../domain/resources.js';
import { AlertRulesSchema, NotificationsConfigSchema } from '../notifications/config.js';
import { EnergyConfigSchema } from '../energy/schema.js';

/**
 * The one schema for orcha.yaml. It gives the type, the validation, the defaults and the documentation
 * (docs/configuration.md is generated from the descriptions). Durations are in seconds unless the key says otherwise.
 */

/** Seconds: a loop or a call at most once a day. */
const DAY_AT_MOST = { maximum: 86_400 } as const;

/** pino's levels. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const obj = <T extends Record<string, TSchema>>(props: T, description: string) =>
  Type.Object(props, { default: {}, description, additionalProperties: false });

/** A secret given inline, from an environment variable, or from a file (relative to the config's directory). */
export const SecretRefSchema = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object({ env: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ],
  { description: 'A secret: a string, {env: NAME} or {file: path}. Never logged or returned by the API.' },
);
export type SecretRef = Static<typeof SecretRefSchema>;

/** Credentials a Prometheus scraper must send for /metrics (its `authorization` or `basic_auth` settings). */
export const MetricsAuthSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('bearer'), token: SecretRefSchema }, { additionalProperties: false }),
    Type.Object(
      { type: Type.Literal('basic'), username: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^:]+$' }), password: SecretRefSchema },
      { additionalProperties: false },
    ),
  ],
  { description: 'bearer: `Authorization: Bearer <token>`; basic: HTTP basic auth. Without it /metrics is public.' },
);
export type MetricsAuth = Static<typeof MetricsAuthSchema>;

const MinMax = Type.Object(
  {
    min: Type.Number({ minimum: 0, maximum: 100, default: 0 }),
    max: Type.Number({ minimum: 0, maximum: 100, default: 100 }),
  },
  { default: {}, additionalProperties: false },
);

const ResourceLimits = obj(
  { cpu: MinMax, memory: MinMax, bandwidth: MinMax, storage: MinMax },
  'Per-resource bounds on this protocol\'s share, in percent of the host.',
);

const ResourcePercents = (defaults: { cpu: number; memory: number; bandwidth: number; storage: number }, d: string) =>
  Type.Object(
    {
      cpu: Type.Number({ minimum: 0, maximum: 100, default: defaults.cpu }),
      memory: Type.Number({ minimum: 0, maximum: 100, default: defaults.memory }),
      bandwidth: Type.Number({ minimum: 0, maximum: 100, default: defaults.bandwidth }),
      storage: Type.Number({ minimum: 0, maximum: 100, default: defaults.storage }),
    },
    { default: {}, additionalProperties: false, description: d },
  );

/** A source's cadence: at least every 10 s (a node's health is the fast path), at most once a day. */
const CadenceSeconds = (description: string) => Type.Optional(Type.Number({ minimum: 10, ...DAY_AT_MOST, description }));

export const ExecutorConfigSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('dry-run'), Type.Literal('docker'), Type.Literal('storj-config'), Type.Literal('simulator')], {
      default: 'dry-run',
      description:
        'How allocations are applied: dry-run (record only), docker (container limits), storj-config, simulator (built-in node simulators).',
    }),
    container: Type.Optional(Type.String({ minLength: 1, description: 'Docker container name or id.' })),
    configPath: Type.Optional(
      Type.String({ minLength: 1, description: 'storj-config: the node config.yaml, relative to the config dir.' }),
    ),
    restartOnChange: Type.Boolean({ default: false, description: 'Restart the container after a change.' }),
  },
  { default: {}, additionalProperties: false },
);

export const ProtocolConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Unique name (lower case).' }),
    type: ProtocolTypeSchema,
    enabled: Type.Boolean({ default: true }),
    endpoint: Type.String({ format: 'uri', maxLength: 2048, description: 'Base URL of the node API (http or https).' }),
    pollInterval: Type.Optional(Type.Number({ ...DAY_AT_MOST, minimum: 1, description: 'Seconds; default intervals.poll.' })),
    timeout: Type.Number({ minimum: 0.1, maximum: 300, default: 3, description: 'Per-call timeout, seconds.' }),
    maxResponseBytes: Type.Optional(
      Type.Integer({
        minimum: 1024,
        maximum: 256 * 1024 * 1024,
        description: 'Largest answer read from the node, in bytes, on the wire and decompressed (default 4 MiB).',
      }),
    ),
    earningsInterval: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 86_400,
        description:
          'Seconds between reads of a slow earnings source (Storj payout estimate and satellite scores: 600; Streamr on-chain earnings: 300); health is read every poll.',
      }),
    ),
    cadence: Type.Optional(
      Type.Object(
        {
          earnings: CadenceSeconds(
            'The slow earnings source: Storj payout estimate 600, Golem payment list 300, Mysterium identity 300, Streamr on-chain 300 (overrides earningsInterval).',
          ),
          details: CadenceSeconds(
            'Extras relayed from remote services: Storj satellite scores 600, Mysterium quality, activity stats and session counts 600.',
          ),
          version: CadenceSeconds('Version checks (Golem /version/get): 3600.'),
        },
        {
          additionalProperties: false,
          description: 'Seconds between reads of each slower source, cached in between; health endpoints are read every poll.',
        },
      ),
    ),
    credentials: Type.Optional(
      Type.Object(
        {
          token: Type.Optional(SecretRefSchema),
          username: Type.Optional(Type.String()),
          password: Type.Optional(SecretRefSchema),
        },
        { additionalProperties: false },
      ),
    ),
    /** http-json: which fields of the response hold what. */
    mapping: Type.Optional(
      Type.Object(
        {
          path: Type.String({ default: '/', description: 'Path appended to endpoint.' }),
          earnings: Type.String({ description: 'Dot path of the cumulative earnings field, e.g. data.payout.usd_cents.' }),
          scale: Type.Number({ default: 1, description: 'Multiply the field by this to get token units.' }),
          connected: Type.Optional(Type.String()),
          header: Type.Optional(Type.String({ description: 'Auth header name; value is credentials.token.' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** grass, http-json: USD per reported unit when the unit is points. */
    token: Type.Optional(Type.String({ description: 'Token symbol for price lookups (defaults per type).' })),
    identity: Type.Optional(Type.String({ description: 'mysterium: identity address (default: the first one).' })),
    earningsSource: Type.Optional(
      Type.Object(
        {
          kind: Type.Union([Type.Literal('polygon-rpc'), Type.Literal('indexer')], {
            description: 'polygon-rpc: eth_call to the Operator contract; indexer: the Streamr network subgraph (GraphQL).',
          }),
          url: Type.String({ format: 'uri', maxLength: 2048, description: 'JSON-RPC endpoint or GraphQL endpoint.' }),
          operator: Type.String({ pattern: '^0x[0-9a-fA-F]{40}$', description: 'The Operator contract address.' }),
        },
        { additionalProperties: false, description: 'streamr: where operator earnings are read (the node serves none).' },
      ),
    ),
    earningsUrl: Type.Optional(
      Type.String({
        format: 'uri',
        description: 'streamr: URL answering Operator.getEarnings() as JSON {sponsorshipAddresses, sum, maxAllowedEarnings} (DATA wei).',
      }),
    ),
    executor: ExecutorConfigSchema,
    limits: ResourceLimits,
    pinned: Type.Boolean({ default: false, description: 'Never change this protocol\'s allocation.' }),
    initialAllocation: Type.Optional(ResourcePercents({ cpu: 0, memory: 0, bandwidth: 0, storage: 0 }, 'Starting shares.')),
    profile: Type.Optional(ProfileOverrideSchema),
  },
  { additionalProperties: false },
);
export type ProtocolConfig = Static<typeof ProtocolConfigSchema>;

export const PolicySchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    enabled: Type.Boolean({ default: true }),
    rules: Type.Array(
      Type.Object(
        {
          protocol: Type.String({ minLength: 1 }),
          resource: Type.Optional(
            Type.Union([Type.Literal('cpu'), Type.Literal('memory'), Type.Literal('bandwidth'), Type.Literal('storage')]),
          ),
          min: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
          max: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    pinned: Type.Array(Type.String(), { default: [], description: 'Protocols whose allocation must not change.' }),
    excludedHours: Type.Array(Type.Integer({ minimum: 0, maximum: 23 }), {
      default: [],
      description: 'UTC hours in which no reallocation is applied.',
    }),
  },
  { additionalProperties: false },
);
export type Policy = Static<typeof PolicySchema>;

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ default: './data', description: 'Where the SQLite file and generated secrets live.' }),
    server: obj(
      {
        host: Type.String({ default: '127.0.0.1', description: 'Bind address. Safe default: loopback only.' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        bodyLimit: Type.Integer({ minimum: 1024, maximum: 104_857_600, default: 1_048_576, description: 'Max request body, bytes.' }),
        requestTimeout: Type.Number({ minimum: 1, maximum: 3600, default: 30, description: 'Seconds.' }),
        corsOrigins: Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 100, default: [], description: 'CORS allow-list; none by default.' }),
        trustProxy: Type.Boolean({ default: false }),
      },
      'HTTP server.',
    ),
    storage: obj(
      {
        sqlitePath: Type.Optional(Type.String({ description: 'SQLite file; default <dataDir>/orcha.db.' })),
        url: Type.Optional(Type.String({ description: 'PostgreSQL URL (or DATABASE_URL). Wins over sqlitePath.' })),
        retention: obj(
          {
            rawDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650, default: 30, description: 'Keep raw samples this long.' }),
            rollupDays: Type.Number({ exclusiveMinimum: 0, maximum: 36_500, default: 730, description: 'Keep hourly rollups.' }),
          },
          'Retention of history.',
        ),
      },
      'Storage: embedded SQLite by default, PostgreSQL for fleets.',
    ),
    host: obj(
      {
        reserve: ResourcePercents(
          { cpu: 10, memory: 10, bandwidth: 10, storage: 5 },
          'Share of each resource kept for the host, never allocated.',
        ),
        bandwidthBytesPerSec: Type.Number({
          exclusiveMinimum: 0,
          maximum: 1e12,
          default: 12_500_000,
          description: 'Uplink capacity (bytes/s) that bandwidth shares refer to.',
        }),
        storagePaths: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
          maxItems: 64,
          default: ['/'],
          description: 'Disks whose use is recorded.',
        }),
      },
      'This machine.',
    ),
    protocols: Type.Array(ProtocolConfigSchema, { maxItems: 256, default: [], description: 'The nodes to watch.' }),
    intervals: obj(
      {
        poll: Type.Number({ minimum: 1, ...DAY_AT_MOST, default: 5, description: 'Seconds between polls of local nodes.' }),
        cloudPoll: Type.Number({ minimum: 1, ...DAY_AT_MOST, default: 300, description: 'Seconds between cloud API polls.' }),
        analyze: Type.Number({ minimum: 1, ...DAY_AT_MOST, default: 30 }),
        decide: Type.Number({ minimum: 1, ...DAY_AT_MOST, default: 60 }),
        push: Type.Number({ minimum: 1, ...DAY_AT_MOST, default: 5, description: 'WebSocket metrics push.' }),
        retention: Type.Number({ minimum: 60, ...DAY_AT_MOST, default: 3600 }),
      },
      'Loop intervals, seconds (at least 1, at most a day).',
    ),
    coordinator: obj(
      {
        historySize: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Snapshots kept in memory.' }),
        retries: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
        breakerFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'Consecutive failures that open the breaker.' }),
        breakerHalfOpenAfter: Type.Number({ exclusiveMinimum: 0, ...DAY_AT_MOST, default: 30, description: 'Seconds.' }),
      },
      'Polling resilience.',
    ),
    optimizer: obj(
      {
        strategy: Type.Union([Type.Literal('lp'), Type.Literal('greedy'), Type.Literal('equal')], { default: 'lp' }),
        minImprovementPercent: Type.Number({ minimum: 0, maximum: 1000, default: 5 }),
        minImprovementUsdPerHour: Type.Number({ minimum: 0, maximum: 1e6, default: 0.001 }),
        minConfidence: Type.Number({ minimum: 0, maximum: 1, default: 0.7 }),
        historyHours: Type.Number({ exclusiveMinimum: 0, maximum: 8760, default: 72, description: 'Window of history fitted.' }),
        minObservations: Type.Integer({ minimum: 1, maximum: 100_000, default: 12 }),
        exploration: obj(
          {
            enabled: Type.Boolean({ default: true }),
            // 10: in the 30-day decision-quality benchmark (5 seeds) steps of 10 points earned 86 % of the oracle
            // against 78.7 % with 5 (and 81 % with 3); the probes stay on fast resources and within every gate.
            maxStepPercent: Type.Number({
              minimum: 0,
              maximum: 100,
              default: 10,
              description: 'Largest move of one share (percentage points) an exploration probe may make.',
            }),
            scoutPercent: Type.Number({
              minimum: 0,
              maximum: 20,
              // 1: in the 30-day benchmark (5 seeds) 88.8 % of the oracle, worst seed 87.5 %, against 86.0 % and a worst
              // seed of 75.8 % without (a protocol starved before its pay jumped never came back); 2 and 4 did no better.
              default: 1,
              description:
                'Least share (percent) of each fast resource a connected protocol keeps while it earns from it, so that a change in what it pays stays visible; 0 lets the optimizer starve it.',
            }),
          },
          'Small bounded moves that teach the model where it is uncertain.',
        ),
        restartCostMinutes: Type.Number({ minimum: 0, maximum: 1440, default: 2, description: 'Downtime of a node restart.' }),
      },
      'Optimizer (SPEC §3 defaults).',
    ),
    reallocation: obj(
      {
        mode: Type.Union([Type.Literal('advisory'), Type.Literal('auto')], {
          default: 'advisory',
          description: 'advisory: plans only. auto: apply plans.',
        }),
        maxPerHour: Type.Integer({ minimum: 0, maximum: 60, default: 4 }),
        minHoldMinutes: Type.Number({ minimum: 0, maximum: 525_600, default: 60 }),
        stepTimeout: Type.Number({ minimum: 1, maximum: 3600, default: 30, description: 'Seconds per executor step.' }),
      },
      'Reallocation engine.',
    ),
    alerts: obj(
      {
        earningsDropPercent: Type.Number({ minimum: 0, maximum: 100, default: 30 }),
        pressure: ResourcePercents({ cpu: 90, memory: 90, bandwidth: 90, storage: 90 }, 'Resource pressure, percent.'),
        disconnectedAfter: Type.Integer({ minimum: 1, maximum: 1000, default: 2, description: 'Failed polls before alerting.' }),
        opportunityMinUsdPerHour: Type.Number({ minimum: 0, maximum: 1e6, default: 0.01 }),
        rules: AlertRulesSchema,
      },
      'Alert thresholds.',
    ),
    fleet: obj(
      {
        localName: Type.Optional(
          Type.String({
            pattern: HOST_NAME_PATTERN,
            maxLength: 63,
            description: "This machine's name in the fleet (`?host=NAME` answers from its own tables); default: its hostname.",
          }),
        ),
        silentAfter: Type.Number({
          minimum: 30,
          maximum: 604_800,
          default: 300,
          description: 'Seconds without a batch from a host\'s agent before the host is silent (host_silent alert).',
        }),
        checkEvery: Type.Number({ minimum: 5, maximum: 3600, default: 60, description: 'Seconds between checks of the fleet alerts.' }),
        spoolAlertSnapshots: Type.Integer({
          minimum: 1,
          maximum: 2_000_000,
          default: 720,
          description: "Snapshots waiting in an agent's spool, still growing, that raise agent_spool_growing (720: an hour of 5 s polls).",
        }),
        spoolGrowingFor: Type.Number({
          minimum: 0,
          maximum: 86_400,
          default: 300,
          description: 'Seconds the spool must keep growing past spoolAlertSnapshots before the alert opens.',
        }),
        leaseTtl: Type.Number({
          minimum: 2,
          maximum: 600,
          default: 15,
          description:
            "Seconds a control-plane replica holds a host's decision loop (and the fleet alerts) without renewing: when a replica dies, another takes over after at most this long.",
        }),
      },
      'The fleet, on the control plane: when a host is silent and when an agent\'s spool is growing.',
    ),
    rateLimit: obj(
      {
        enabled: Type.Boolean({ default: true }),
        store: Type.Union([Type.Literal('memory'), Type.Literal('redis')], { default: 'memory' }),
        perIp: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 600, description: 'Requests per minute per IP.' }),
        perUser: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1200, description: 'Requests per minute per user or API key.' }),
        login: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10, description: 'Login attempts per minute per IP.' }),
      },
      'Token-bucket rate limits.',
    ),
    cache: obj(
      {
        store: Type.Union([Type.Literal('memory'), Type.Literal('redis')], { default: 'memory' }),
        ttl: Type.Number({ exclusiveMinimum: 0, ...DAY_AT_MOST, default: 5, description: 'Seconds.' }),
        maxEntries: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
      },
      'Cache for expensive reads.',
    ),
    redis: obj({ url: Type.Optional(Type.String({ description: 'redis://host:port/db' })) }, 'Redis, when used.'),
    auth: obj(
      {
        jwtSecret: Type.Optional(SecretRefSchema),
        accessTokenTtl: Type.Integer({ minimum: 30, maximum: 86_400, default: 900, description: 'Seconds.' }),
        refreshTokenTtl: Type.Integer({ minimum: 60, maximum: 31_536_000, default: 604_800, description: 'Seconds.' }),
      },
      'Authentication (always on).',
    ),
    prices: obj(
      {
        source: Type.Literal('static', { default: 'static' }),
        usd: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1e9 }), {
          default: { USD: 1, STORJ: 0.45, GLM: 0.3, MYST: 0.12, DATA: 0.02, GRASS: 0.0002 },
          description: 'USD per token unit (or per point).',
        }),
      },
      'Token prices.',
    ),
    energy: EnergyConfigSchema,
    simulators: obj(
      {
        enabled: Type.Union([Type.Literal('auto'), Type.Boolean()], {
          default: 'auto',
          description: 'auto: run built-in simulators when no protocol is configured.',
        }),
        seed: Type.Integer({ default: 42 }),
      },
      'Built-in node simulators.',
    ),
    notifications: NotificationsConfigSchema,
    policies: Type.Array(PolicySchema, { maxItems: 100, default: [] }),
    log: obj(
      {
        level: Type.Union(
          LOG_LEVELS.map((l) => Type.Literal(l)),
          { default: 'info', description: 'Least severe level written.' },
        ),
      },
      'Logging.',
    ),
    metrics: obj({ auth: Type.Optional(MetricsAuthSchema) }, 'Prometheus /metrics (public unless `auth` is set).'),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
