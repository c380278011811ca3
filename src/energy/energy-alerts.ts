/**
 * The energy alerts: a silent or failing power meter, and a protocol whose power costs more than it earns. They are
 * one family each, synced through the alert gate every alert goes through (one open alert per condition, resolved
 * when it clears; published only when it opens, changes severity or resolves, not when its figures move).
 */
import { type AlertCondition, type AlertFamilies, createAlertFamilies } from '../engine/monitor/alert-family.js';

export type EnergyAlertCondition = AlertCondition;
export type EnergyAlerts = AlertFamilies<'power_meter_silent' | 'net_negative'>;

export const createEnergyAlerts = (deps: Parameters<typeof createAlertFamilies>[0]): EnergyAlerts =>
  createAlertFamilies<'power_meter_silent' | 'net_negative'>(deps);
