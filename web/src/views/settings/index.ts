/**
 * The settings page (#/settings): the configuration (editor and protocols, both saved through one reviewed path),
 * notification channels with test-send, users and roles, API keys, and your own password. Admin-only parts say so
 * to other roles instead of failing.
 */
import { ApiError, type Api, session } from '../../api';
import { fill, h } from '../../dom';
import { createNotificationsView } from '../notifications';
import { createApiKeysSettings } from './api-keys';
import type { SavedConfig } from './config-change';
import { createConfigEditor } from './config-editor';
import { createPasswordSettings } from './password';
import { createProtocolsSettings } from './protocols';
import { createUsersSettings } from './users';

export function startSettings(host: HTMLElement, api: Api, role: string | null): () => void {
  const isAdmin = role === null || role === 'admin';
  // After a save, read the document back: the editor and the protocols list show what the file now holds.
  const onSaved = (_saved: SavedConfig) => void loadConfig().catch((err) => console.warn(err));
  const editor = createConfigEditor(api, onSaved);
  const protocols = createProtocolsSettings(api, onSaved);
  const users = createUsersSettings(api, () => session.username);
  const keys = createApiKeysSettings(api);
  const notifications = createNotificationsView(api);
  const password = createPasswordSettings(api);
  host.className = 'grid settings';
  fill(
    host,
    h('h2', { class: 'page-title', testid: 'settings-title' }, 'Settings'),
    isAdmin ? [protocols.root, editor.root, users.root, keys.root, notifications.root] : null,
    password,
  );

  let stopped = false;
  async function loadConfig(): Promise<void> {
    try {
      const config = await api.get('config/document');
      if (stopped) return;
      editor.render(config);
      protocols.render(config);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 403)) throw err;
      editor.render(null);
      protocols.render(null);
    }
  }
  const stopNotifications = isAdmin ? notifications.start() : () => undefined;
  if (isAdmin) {
    void loadConfig().catch((err) => console.warn(err));
    void users.load();
    void keys.load();
  }
  return () => {
    stopped = true;
    stopNotifications();
  };
}
