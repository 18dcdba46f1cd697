// The "Start at login" switch: GET and PUT /api/v1/system/autostart.
import { ApiError, errorText } from './api';

export interface Autostart {
  enabled: boolean;
  /** False on systems where Switchboard knows no way to start at login. */
  supported: boolean;
  /** The entry: a file path, or a registry value on Windows. */
  where?: string;
  /** What is started at login, while enabled. */
  command?: string[] | null;
}

export const UNSUPPORTED_TEXT =
  'Start at login is not supported on this system: Switchboard knows no way to start programs when you log in here. Start it yourself, or with your system’s own tools.';

/** What the switch's description says about the current state. */
export function autostartText(a: Autostart): string {
  if (!a.supported) return UNSUPPORTED_TEXT;
  if (a.enabled) return `Switchboard starts when you log in${a.where ? `, from ${a.where}` : ''}.`;
  return `Switchboard does not start when you log in. Turning this on writes ${a.where || 'a login entry'}.`;
}

/** A failed change, in words: what was being done, then why it failed. */
export function autostartErrorText(err: unknown, wanted: boolean): string {
  if (err instanceof ApiError && (err.code === 'AutostartUnsupported' || err.status === 501)) return UNSUPPORTED_TEXT;
  return `Could not turn start at login ${wanted ? 'on' : 'off'}: ${errorText(err)}`;
}
