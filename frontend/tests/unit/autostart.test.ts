import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api';
import { UNSUPPORTED_TEXT, autostartErrorText, autostartText } from '../../src/autostart';

describe('start at login', () => {
  it('says what is true now, and where the entry is', () => {
    const where = '/home/me/.config/autostart/io.switchboard.Switchboard.desktop';
    expect(autostartText({ enabled: true, supported: true, where })).toBe(`Switchboard starts when you log in, from ${where}.`);
    expect(autostartText({ enabled: false, supported: true, where })).toBe(`Switchboard does not start when you log in. Turning this on writes ${where}.`);
  });

  it('says in words when this system cannot start it at login', () => {
    expect(autostartText({ enabled: false, supported: false })).toBe(UNSUPPORTED_TEXT);
    expect(UNSUPPORTED_TEXT).toMatch(/^Start at login is not supported on this system/);
    expect(autostartErrorText(new ApiError(501, 'AutostartUnsupported', 'start at login is not supported on this system'), true)).toBe(UNSUPPORTED_TEXT);
  });

  it('names what failed, then the API’s reason', () => {
    const e = new ApiError(500, 'AutostartFailed', 'could not change /x/autostart/s.desktop: permission denied');
    expect(autostartErrorText(e, true)).toBe('Could not turn start at login on: could not change /x/autostart/s.desktop: permission denied');
    expect(autostartErrorText(new ApiError(0, 'Unreachable', 'Switchboard is not running'), false)).toBe(
      'Could not turn start at login off: Switchboard is not running',
    );
  });
});
