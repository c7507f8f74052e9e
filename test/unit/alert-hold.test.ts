import { describe, expect, it } from 'vitest';
import { alertHold } from '../../core/plan/alert-hold.js';

const alert = (alertname: string, instance = 'x') => ({ alertname, labels: { alertname, instance }, startsAt: 0 });

describe('firing alerts as a plan blocker', () => {
  it('holds nothing when none fire', () => {
    expect(alertHold('kartotherian', [])).toBeUndefined();
  });

  it('names each alert once, with how many fire', () => {
    expect(alertHold('kartotherian', [alert('ProbeDown')])).toBe('an alert firing for kartotherian: ProbeDown');
    expect(alertHold('kartotherian', [alert('ATSBackendErrorsHigh'), alert('ProbeDown', 'kartotherian-ssl:443'), alert('ProbeDown', 'kartotherian-k8s-ssl:6543')])).toBe('3 alerts firing for kartotherian: ATSBackendErrorsHigh, ProbeDown ×2');
  });

  it('keeps a storm to one line', () => {
    const storm = Array.from({ length: 8 }, (_, index) => alert(`Alert${index}`));
    expect(alertHold('kartotherian', storm)).toBe('8 alerts firing for kartotherian: Alert0, Alert1, Alert2, Alert3, Alert4, 3 more');
  });
});
