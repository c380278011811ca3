/**
 * The config routes' answers (PUT config, POST config/validate, POST config/reload): one schema each, used by the
 * routes and imported type-only by the dashboard's settings page.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ConfigSchema } from '../../config/schema.js';

/** One rejected field: its path in the document (`intervals.poll`) and why. */
export const ConfigFieldErrorSchema = Type.Object({ path: Type.String(), message: Type.String() });
export const ConfigFieldErrorsSchema = Type.Array(ConfigFieldErrorSchema);
/** A change that was applied (or already held): the top-level sections it changed and the running config. */
export const ConfigAppliedSchema = Type.Object({ applied: Type.Boolean(), changedKeys: Type.Array(Type.String()), config: ConfigSchema });

export type ConfigFieldError = Static<typeof ConfigFieldErrorSchema>;
export type ConfigApplied = Static<typeof ConfigAppliedSchema>;
