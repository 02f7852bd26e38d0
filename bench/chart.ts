/**
 * The picture of a run, as a hand-written SVG: people routed over time (a step line per series)
 * against the line the rate limits allow, with the critical path of one person as a marker.
 */

export interface Series {
  label: string;
  color: string;
  /** Seconds since the start at which each person was routed (any order). */
  times: readonly number[];
  dashed?: boolean;
}

export interface ChartInput {
  title: string;
  subtitle: string;
  people: number;
  series: Series[];
  /** People per second the binding bucket allows (the rate-limit bound's slope). */
  boundRatePerSecond: number;
  boundLabel: string;
  criticalPathSeconds?: number;
}

const WIDTH = 900;
const HEIGHT = 520;
const PLOT = { left: 70, right: 220, top: 60, bottom: 60 };

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / magnitude;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * magnitude;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderChart(input: ChartInput): string {
  const lastTime = Math.max(
    1,
    ...input.series.flatMap((series) => series.times),
    input.criticalPathSeconds ?? 0,
    input.people / Math.max(input.boundRatePerSecond, 1e-9),
  );
  const xMax = lastTime * 1.05;
  const yMax = input.people;
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const x = (seconds: number) => PLOT.left + (seconds / xMax) * plotWidth;
  const y = (people: number) => PLOT.top + plotHeight - (people / yMax) * plotHeight;
  const parts: string[] = [];

  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${PLOT.left}" y="26" font-size="17" font-weight="bold">${escapeXml(input.title)}</text>`);
  parts.push(`<text x="${PLOT.left}" y="45" font-size="12" fill="#555">${escapeXml(input.subtitle)}</text>`);

  const xStep = niceStep(xMax, 8);
  for (let tick = 0; tick <= xMax; tick += xStep) {
    parts.push(`<line x1="${x(tick)}" y1="${PLOT.top}" x2="${x(tick)}" y2="${PLOT.top + plotHeight}" stroke="#eee"/>`);
    parts.push(
      `<text x="${x(tick)}" y="${PLOT.top + plotHeight + 18}" font-size="11" text-anchor="middle">${Math.round(tick)}</text>`,
    );
  }
  const yStep = niceStep(yMax, 6);
  for (let tick = 0; tick <= yMax; tick += yStep) {
    parts.push(`<line x1="${PLOT.left}" y1="${y(tick)}" x2="${PLOT.left + plotWidth}" y2="${y(tick)}" stroke="#eee"/>`);
    parts.push(
      `<text x="${PLOT.left - 8}" y="${y(tick) + 4}" font-size="11" text-anchor="end">${Math.round(tick)}</text>`,
    );
  }
  parts.push(
    `<line x1="${PLOT.left}" y1="${PLOT.top + plotHeight}" x2="${PLOT.left + plotWidth}" y2="${PLOT.top + plotHeight}" stroke="black"/>`,
  );
  parts.push(
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.top + plotHeight}" stroke="black"/>`,
  );
  parts.push(
    `<text x="${PLOT.left + plotWidth / 2}" y="${HEIGHT - 18}" font-size="12" text-anchor="middle">seconds since the onboarding started</text>`,
  );
  parts.push(
    `<text x="18" y="${PLOT.top + plotHeight / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${PLOT.top + plotHeight / 2})">people routed to Beyond Identity</text>`,
  );

  // The rate-limit bound: no run can route people faster than this line.
  const boundEnd = Math.min(xMax, input.people / Math.max(input.boundRatePerSecond, 1e-9));
  parts.push(
    `<polyline fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="6 4" points="${x(0)},${y(0)} ${x(boundEnd)},${y(Math.min(yMax, boundEnd * input.boundRatePerSecond))} ${x(xMax)},${y(Math.min(yMax, boundEnd * input.boundRatePerSecond))}"/>`,
  );
  if (input.criticalPathSeconds !== undefined) {
    parts.push(
      `<line x1="${x(input.criticalPathSeconds)}" y1="${PLOT.top}" x2="${x(input.criticalPathSeconds)}" y2="${PLOT.top + plotHeight}" stroke="#9467bd" stroke-dasharray="2 3"/>`,
    );
  }

  for (const series of input.series) {
    const sorted = [...series.times].sort((a, b) => a - b);
    const points = [`${x(0)},${y(0)}`];
    sorted.forEach((time, index) => {
      points.push(`${x(time)},${y(index)}`, `${x(time)},${y(index + 1)}`);
    });
    if (sorted.length > 0) points.push(`${x(xMax)},${y(sorted.length)}`);
    parts.push(
      `<polyline fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="3 3"' : ''} points="${points.join(' ')}"/>`,
    );
  }

  const legend = [
    ...input.series.map((series) => ({ label: series.label, color: series.color, dash: series.dashed ? '3 3' : '' })),
    { label: input.boundLabel, color: '#d62728', dash: '6 4' },
    ...(input.criticalPathSeconds !== undefined
      ? [
          {
            label: `critical path of one person (${Math.round(input.criticalPathSeconds)} s)`,
            color: '#9467bd',
            dash: '2 3',
          },
        ]
      : []),
  ];
  legend.forEach((entry, index) => {
    const top = PLOT.top + 10 + index * 40;
    const left = PLOT.left + plotWidth + 14;
    parts.push(
      `<line x1="${left}" y1="${top}" x2="${left + 24}" y2="${top}" stroke="${entry.color}" stroke-width="2"${entry.dash ? ` stroke-dasharray="${entry.dash}"` : ''}/>`,
    );
    const words = entry.label.split(' ');
    const lines: string[] = [''];
    for (const word of words) {
      if ((lines.at(-1)! + ' ' + word).trim().length > 24) lines.push(word);
      else lines[lines.length - 1] = `${lines.at(-1)!} ${word}`.trim();
    }
    lines.forEach((line, lineIndex) =>
      parts.push(`<text x="${left + 30}" y="${top + 4 + lineIndex * 13}" font-size="11">${escapeXml(line)}</text>`),
    );
  });

  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}
