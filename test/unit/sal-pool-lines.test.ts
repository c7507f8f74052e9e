import { describe, expect, it } from 'vitest';
import { salPoolLines, type PoolChange } from '../../core/sal-pool-lines.js';

const inactive = { pooled: 'inactive', weight: 0 } as const;
const pooled = { pooled: 'yes', weight: 10 } as const;

function worker(n: number, dc = 'eqiad'): PoolChange {
  return { fqdn: `wikikube-worker${n}.${dc}.wmnet`, lvsService: 'kartotherian-k8s-ssl', from: inactive, to: pooled };
}

describe('salPoolLines', () => {
  it('folds a fifty-host wave into one line in cumin node-set notation', () => {
    const wave = Array.from({ length: 50 }, (_, index) => worker(1001 + index));
    expect(salPoolLines(wave, 'eqiad')).toEqual(['conftool wikikube-worker[1001-1050].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=inactive → yes weight=10']);
  });

  it('keeps different changes, stems and services on their own lines or node sets', () => {
    const lines = salPoolLines(
      [
        worker(1003),
        worker(1001),
        { fqdn: 'maps1005.eqiad.wmnet', lvsService: 'kartotherian-ssl', from: { pooled: 'yes', weight: 10 }, to: { pooled: 'no', weight: 10 } },
        { fqdn: 'maps1006.eqiad.wmnet', lvsService: 'kartotherian-ssl', from: { pooled: 'yes', weight: 10 }, to: { pooled: 'no', weight: 10 } },
        { fqdn: 'kubestage1001.eqiad.wmnet', lvsService: 'kartotherian-k8s-ssl', from: inactive, to: pooled },
      ],
      'eqiad',
    );
    expect(lines).toEqual([
      'conftool wikikube-worker[1001,1003].eqiad.wmnet kubestage1001.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=inactive → yes weight=10',
      'conftool maps[1005-1006].eqiad.wmnet kartotherian-ssl (eqiad): pooled=yes → no weight=10',
    ]);
  });

  it('says nothing when nothing changed', () => {
    expect(salPoolLines([], 'codfw')).toEqual([]);
  });
});
