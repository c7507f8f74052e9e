import { describe, expect, it } from 'vitest';
import { parseSelector, renderMatcher } from '../../adapters/alertmanager/matchers.js';
import { probeSilenceRisk, SPARE_PROBES } from '../../adapters/alertmanager/probe-guard.js';

describe('Alertmanager selectors', () => {
  it('reads every operator and escaped quotes, and writes each matcher back as Alertmanager\'s filter takes it', () => {
    const parsed = parseSelector('{alertname="ProbeDown", job=~"probes/.*",instance!="a\\"b", severity!~"info|debug"}');
    expect(parsed).toEqual({
      ok: true,
      selector: [
        { name: 'alertname', value: 'ProbeDown', isEqual: true, isRegex: false },
        { name: 'job', value: 'probes/.*', isEqual: true, isRegex: true },
        { name: 'instance', value: 'a"b', isEqual: false, isRegex: false },
        { name: 'severity', value: 'info|debug', isEqual: false, isRegex: true },
      ],
    });
    if (parsed.ok) expect(parsed.selector.map(renderMatcher)).toEqual(['alertname="ProbeDown"', 'job=~"probes/.*"', 'instance!="a\\"b"', 'severity!~"info|debug"']);
  });

  it('refuses what is not a selector, an empty one, and a broken regex', () => {
    expect(parseSelector('alertname="X"')).toMatchObject({ ok: false });
    expect(parseSelector('{}')).toEqual({ ok: false, error: 'an empty selector would match every alert' });
    expect(parseSelector('{alertname="X" job="y"}')).toMatchObject({ ok: false });
    expect(parseSelector('{job=~"(("}')).toMatchObject({ ok: false, error: 'job=~"((": not a regular expression' });
  });
});

describe('no silence may cover the probe alerts', () => {
  const instance = { name: 'instance', value: 'maps1005(:.*)?', isRegex: true, isEqual: true };

  it('accepts only matchers that plainly reject every probes/ job', () => {
    expect(probeSilenceRisk([instance, SPARE_PROBES])).toBeUndefined();
    expect(probeSilenceRisk([instance, { name: 'job', value: 'node', isRegex: false, isEqual: true }])).toBeUndefined();
  });

  it('refuses anything that could match one, saying what it needs', () => {
    for (const job of [[], [{ name: 'job', value: 'probes/custom', isRegex: false, isEqual: true }], [{ name: 'job', value: 'node|probes/.*', isRegex: true, isEqual: true }], [{ name: 'job', value: 'probes/service', isRegex: false, isEqual: false }], [{ name: 'job', value: 'probes/s.*', isRegex: true, isEqual: false }]]) {
      expect(probeSilenceRisk([instance, ...job])).toContain('it needs job!~"probes/.*"');
    }
  });
});
