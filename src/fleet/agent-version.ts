/** The version an agent reports with its batches; the control plane alerts when its agents run another. */
export const AGENT_VERSION = '0.3.0';
