/** One bar of a panel. */
export interface Bar {
  label: string;
  value: number | undefined;
  /** Fill colour. */
  color: string;
}

/** A panel: a title and horizontal bars on a shared axis. */
export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
  /** `log` for figures that span orders of magnitude (latency). @default 'linear' */
  scale?: 'linear' | 'log';
  digits?: number;
}

const WIDTH = 760;
const LABEL_W = 230;
const VALUE_W = 110;
const BAR_H = 18;
const GAP = 6;
const TITLE_H = 26;
const PANEL_GAP = 18;

/** Escapes text for XML content and attributes. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * The length of a bar for `value` on an axis whose largest value is `max`, as a fraction of the full
 * length: proportional on a linear axis; on a log axis, decades from `min` (the smallest value shown)
 * with the smallest value given a sliver so it stays visible.
 */
export function barFraction(value: number, max: number, scale: 'linear' | 'log', min = max): number {
  if (!(value > 0) || !(max > 0)) return 0;
  if (scale === 'linear') return Math.min(1, value / max);
  const lo = Math.log10(Math.min(min, max)) - 0.5;
  const span = Math.log10(max) - lo;
  return Math.min(1, Math.max(0.01, (Math.log10(value) - lo) / span));
}

function formatValue(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Renders panels of horizontal bar charts, one under the other, as a standalone SVG document. */
export function renderChart(title: string, panels: readonly Panel[]): string {
  const parts: string[] = [];
  let y = 34;
  parts.push(`<text x="10" y="22" font-size="16" font-weight="bold">${escapeXml(title)}</text>`);
  const plotW = WIDTH - LABEL_W - VALUE_W - 20;
  for (const panel of panels) {
    const scale = panel.scale ?? 'linear';
    const shown = panel.bars.map((b) => b.value).filter((v): v is number => v !== undefined && v > 0);
    const max = shown.length > 0 ? Math.max(...shown) : 0;
    const min = shown.length > 0 ? Math.min(...shown) : 0;
    const axis = scale === 'log' ? ', log scale' : '';
    parts.push(
      `<text x="10" y="${y + 16}" font-size="13" font-weight="bold">${escapeXml(panel.title)}` +
        `<tspan font-weight="normal" fill="#555"> (${escapeXml(panel.unit)}${axis})</tspan></text>`,
    );
    y += TITLE_H;
    for (const bar of panel.bars) {
      const w = bar.value === undefined ? 0 : barFraction(bar.value, max, scale, min) * plotW;
      const cy = y + BAR_H / 2 + 4;
      parts.push(
        `<text x="${LABEL_W - 8}" y="${cy}" font-size="12" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${escapeXml(bar.color)}"/>`,
        `<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${cy}" font-size="12">${escapeXml(formatValue(bar.value, panel.digits ?? 0))}</text>`,
      );
      y += BAR_H + GAP;
    }
    y += PANEL_GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
