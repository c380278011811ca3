import { FormatRegistry } from '@sinclair/typebox';

/** Formats the config and API schemas use; TypeBox's Value checks only know formats registered here. */
export function registerFormats(): void {
  if (!FormatRegistry.Has('uri')) {
    FormatRegistry.Set('uri', (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0;
      } catch {
        return false;
      }
    });
  }
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value));
  }
}
registerFormats();
