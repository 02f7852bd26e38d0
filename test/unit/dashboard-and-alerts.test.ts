/**
 * deploy/grafana/bi-okta.json and deploy/prometheus/alerts.yml as data: the dashboard parses (zod), every
 * panel's datasource is the `datasource` variable, and every series a panel or a rule reads is one the
 * worker serves (src/observability/metric-names.ts: ours and the SDK's, the one list). Each rule has a
 * `for:`, a severity and text that says what to do. promtool checks and tests the rules themselves:
 * test/deploy/alert-rules.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { METRIC_NAMES, SDK_METRIC_NAMES } from '../../src/observability/metric-names';
import { PROJECT_ROOT } from '../support/processes';

const EXPORTED = new Set<string>([...Object.values(METRIC_NAMES), ...Object.values(SDK_METRIC_NAMES)]);
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

const target = z.object({
  refId: z.string(),
  expr: z.string().min(1),
  legendFormat: z.string(),
  datasource: z.object({ type: z.string(), uid: z.string() }),
});
const gridPos = z.object({ h: z.number(), w: z.number(), x: z.number(), y: z.number() });
const panel = z.discriminatedUnion('type', [
  z.object({ id: z.number(), type: z.literal('row'), title: z.string(), gridPos }),
  z.object({
    id: z.number(),
    type: z.enum(['timeseries', 'stat', 'bargauge']),
    title: z.string().min(1),
    description: z.string().min(1),
    datasource: z.object({ type: z.string(), uid: z.string() }),
    gridPos,
    targets: z.array(target).min(1),
  }),
]);
const dashboard = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  schemaVersion: z.number().int(),
  templating: z.object({
    list: z.array(z.object({ name: z.string(), type: z.string(), query: z.unknown().optional() })),
  }),
  panels: z.array(panel).min(1),
});

const rule = z.object({
  alert: z.string().regex(/^BiOkta[A-Za-z]+$/),
  expr: z.string().min(1),
  for: z.string().regex(/^\d+[smh]$/),
  labels: z.object({ severity: z.enum(['warning', 'critical']) }),
  annotations: z.object({
    summary: z.string().min(1),
    description: z.string().includes('docs/operations.md#dashboards-and-alerts'),
    runbook_url: z.literal('docs/operations.md#dashboards-and-alerts'),
  }),
});
const rules = z.object({ groups: z.array(z.object({ name: z.string(), rules: z.array(rule).min(1) })).length(1) });

/** The series a PromQL expression names: identifiers shaped like ours or the SDK's (histogram suffixes off). */
function seriesIn(expr: string): string[] {
  const names = expr.match(/\b(?:bi_okta|temporal)_[a-z_]+\b/g) ?? [];
  return names.map((name) => name.replace(/_(bucket|count|sum)$/, ''));
}

async function read(...path: string[]): Promise<string> {
  return readFile(join(PROJECT_ROOT, ...path), 'utf8');
}

describe('the Grafana dashboard', () => {
  const load = async () => dashboard.parse(JSON.parse(await read('deploy', 'grafana', 'bi-okta.json')));

  it('parses, with a Prometheus datasource variable every panel and query uses', async () => {
    const parsed = await load();
    // Grafana 12 saves dashboards at schema version 41; an older one is migrated on load.
    expect(parsed.schemaVersion).toBe(41);
    expect(parsed.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const ids = parsed.panels.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of parsed.panels) {
      if (entry.type === 'row') continue;
      expect({ panel: entry.title, datasource: entry.datasource }).toEqual({
        panel: entry.title,
        datasource: DATASOURCE,
      });
      for (const query of entry.targets)
        expect({ panel: entry.title, datasource: query.datasource }).toEqual({
          panel: entry.title,
          datasource: DATASOURCE,
        });
    }
  });

  it('reads only series the worker serves, and shows every one of ours', async () => {
    const parsed = await load();
    const used = new Set<string>();
    for (const entry of parsed.panels) {
      if (entry.type === 'row') continue;
      for (const query of entry.targets) {
        const names = seriesIn(query.expr);
        expect({ panel: entry.title, names: names.length > 0 }).toEqual({ panel: entry.title, names: true });
        for (const name of names) {
          expect({ panel: entry.title, unknown: EXPORTED.has(name) ? undefined : name }).toEqual({
            panel: entry.title,
          });
          used.add(name);
        }
      }
    }
    expect(Object.values(METRIC_NAMES).filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('the Prometheus alert rules', () => {
  const load = async () => rules.parse(parse(await read('deploy', 'prometheus', 'alerts.yml')));

  it('give each alert a for:, a severity and what to do, linking docs/operations.md', async () => {
    const parsed = await load();
    const names = parsed.groups[0]!.rules.map((entry) => entry.alert);
    expect(new Set(names).size).toBe(names.length);
    const docs = await read('docs', 'operations.md');
    const section = docs.slice(docs.indexOf('## Dashboards and alerts'));
    expect(section.length).toBeLessThan(docs.length);
    // Each alert is explained in the section the rules link to.
    for (const name of names) expect(section).toContain(`\`${name}\``);
  });

  it('read only series the worker serves', async () => {
    for (const entry of (await load()).groups[0]!.rules) {
      const names = seriesIn(entry.expr);
      expect({ alert: entry.alert, names: names.length > 0 }).toEqual({ alert: entry.alert, names: true });
      for (const name of names)
        expect({ alert: entry.alert, unknown: EXPORTED.has(name) ? undefined : name }).toEqual({ alert: entry.alert });
    }
  });
});
