/**
 * The energy alerts: a silent or failing power meter, and a protocol whose power costs more than it earns. They are
 * one family each in the shared alert-family sync (one open alert per condition, resolved when it clears).
 */
import { type AlertCondition, type AlertFamilies, createAlertFamilies } from '../engine/monitor/alert-family.js';

export type EnergyAlertCondition = AlertCondition;
export type EnergyAlerts = AlertFamilies<'power_meter_silent' | 'net_negative'>;

export const createEnergyAlerts = (deps: Parameters<typeof createAlertFamilies>[0]): EnergyAlerts =>
  createAlertFamilies<'power_meter_silent' | 'net_negative'>(deps);
