import { Type } from '@sinclair/typebox';
import { ConfigSchema } from '../../../config/schema.js';
import { redactConfig } from '../../../config/redact.js';
import { type FieldError, OrchaError, isOrchaError } from '../../../lib/errors.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { ErrorSchema } from '../../schemas/common.js';
import { ConfigAppliedSchema as Applied, ConfigFieldErrorsSchema as FieldErrors } from '../../schemas/config.js';

const RawConfig = Type.Object({}, { additionalProperties: true, description: 'A whole orcha.yaml document as JSON.' });

/** Config errors name the field inside the body (`body.intervals.poll`), like every other 400. */
async function inBody<T>(fn: () => Promise<T>, prefix: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID') && Array.isArray(err.details)) {
      const details = (err.details as FieldError[]).map((e) => ({ path: prefix ? `${prefix}.${e.path}` : e.path, message: e.message }));
      throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `${err.message}: ${details[0]?.path ?? ''} ${details[0]?.message ?? ''}`.trim(), details);
    }
    throw err;
  }
}

const configRoutes: RoutePlugin = (app, { services }) => {
  const svc = services.config;

  app.get(
    '/config',
    {
      config: role('admin'),
      schema: {
        tags: ['config'],
        summary: 'The running configuration, secrets replaced by "[redacted]"',
        response: { 200: ConfigSchema },
      },
    },
    async () => svc.get(),
  );

  app.get(
    '/config/document',
    {
      config: role('admin'),
      schema: {
        tags: ['config'],
        summary: 'The configuration document as the file holds it (no defaults, no ORCHA_* overrides), secrets replaced by "[redacted]"',
        description:
          'What an editor should change and PUT back: defaults and environment overrides still apply on top of it, and a PUT of this document never writes them into the file. Empty when there is no configuration file.',
        response: { 200: RawConfig },
      },
    },
    async () => redactConfig(svc.raw()),
  );

  app.put(
    '/config',
    {
      config: role('admin'),
      schema: {
        tags: ['config'],
        summary: 'Replace the configuration: validated, written to the file atomically, applied without restart',
        description: 'Secrets sent back as "[redacted]" keep their running value.',
        body: RawConfig,
        response: { 200: Applied, 400: ErrorSchema },
      },
    },
    async (request) => {
      const change = await inBody(() => svc.put(request.body), 'body');
      // The audit context exists only when security (and with it the audit log) is on.
      if (request.audit) request.audit.details = { changedKeys: change.changedKeys };
      return { applied: true, changedKeys: change.changedKeys, config: svc.get() };
    },
  );

  app.post(
    '/config/validate',
    {
      config: role('admin'),
      schema: {
        tags: ['config'],
        summary: 'Check a configuration without applying it',
        body: RawConfig,
        response: { 200: Type.Object({ valid: Type.Boolean(), errors: FieldErrors }), 400: ErrorSchema },
      },
    },
    async (request) => svc.validate(request.body),
  );

  app.post(
    '/config/reload',
    {
      config: role('admin'),
      schema: {
        tags: ['config'],
        summary: 'Read the configuration file again and apply it (same path as a file edit)',
        response: { 200: Applied, 400: ErrorSchema, 409: ErrorSchema },
      },
    },
    async () => {
      const change = await inBody(() => svc.reload(), '');
      return { applied: true, changedKeys: change.changedKeys, config: svc.get() };
    },
  );
};

export default configRoutes;
