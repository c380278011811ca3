/** A fleet host's name: given at `orcha host add`, used in `?host=NAME` and in alert keys. */
export const HOST_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';

/** This machine's name in the fleet: its hostname's first label, trimmed to a valid host name (else `local`). */
export function localHostName(hostname: string): string {
  const cleaned = hostname.split('.')[0].replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return new RegExp(HOST_NAME_PATTERN).test(cleaned) ? cleaned : 'local';
}
