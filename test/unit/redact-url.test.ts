import { describe, expect, it } from 'vitest';
import { redactRedisUrl } from '../../bot/redact-url.js';

describe('redactRedisUrl', () => {
  it.each([
    ['redis://:secret@host:6379/0', 'redis://:***@host:6379/0'],
    ['rediss://user:p%40ss@host', 'rediss://user:***@host'],
    ['redis://user:pw@host/1?name=a@b', 'redis://user:***@host/1?name=a@b'],
    // Unparseable because of an unencoded slash or hash in the password: still masked.
    ['redis://:a/b@host', 'redis://:***@host'],
    ['redis://:a#b@host:6379', 'redis://:***@host:6379'],
  ])('masks the password in %s', (url, expected) => {
    expect(redactRedisUrl(url)).toBe(expected);
  });

  it.each(['redis://127.0.0.1:6379', 'redis://user@host', 'not a url'])('leaves %s alone', (url) => {
    expect(redactRedisUrl(url)).toBe(url);
  });
});
