import blessed from 'blessed';
import type { Widgets as ContribWidgets } from 'blessed-contrib';
import line from 'blessed-contrib/lib/widget/charts/line.js';
import type { App } from '../app.js';
import { chartSeries, confirmText, type ChartSeries, formText, formTitle, headerText, helpText, logLabel, logRows, jobPanelText, statusText, tableLabel, tableLines } from './text.js';

// The only place that knows blessed: boxes, layout, key input and the redraw timer. Content is
// replaced wholesale (`setContent`) from the app's state; blessed diffs the cells it writes, so an
// unchanged row is never rewritten (no flicker). State changes mark the screen dirty and a timer
// draws at most every `frameMs`; a key draws at once, so typing never waits for the timer.
// blessed-contrib's chart is created without `parent` and appended after (its canvas is sized on
// attach), so it is made anew when its box changes size.

export interface DashboardOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  terminal?: string;
  frameMs?: number;
}

export interface Dashboard {
  readonly screen: blessed.Widgets.Screen;
  /** Draw now if anything changed. */
  render(): void;
  destroy(): void;
}

const printable = (ch: string | undefined) => ch !== undefined && ch.length === 1 && ch >= ' ' && ch !== '\x7f';

/** blessed key -> the name the keybinding table uses: the character when printable, else the full name. */
export function keyName(ch: string | undefined, key: { full?: string; name?: string } | undefined): string {
  // blessed reports a '\r' twice, as 'enter' and then as 'return': act on 'enter' only.
  if (key?.name === 'return') return '';
  if (key?.name === 'space') return ' ';
  if (printable(ch) && !key?.full?.startsWith('C-') && !key?.full?.startsWith('M-')) return ch as string;
  return key?.full ?? key?.name ?? ch ?? '';
}

const sameSeries = (a: ChartSeries | undefined, b: ChartSeries) =>
  a !== undefined && a.label === b.label && a.times.join() === b.times.join() && a.cpu.join() === b.cpu.join() && a.memory.join() === b.memory.join();

export function createDashboard(app: App, options: DashboardOptions = {}): Dashboard {
  // @types/blessed has input and output swapped (Writable input); the runtime takes node streams.
  const screenOptions = {
    ...(options.input ? { input: options.input } : {}),
    ...(options.output ? { output: options.output } : {}),
    terminal: options.terminal ?? 'xterm-256color',
    smartCSR: true,
    fullUnicode: false,
    warnings: false,
    autoPadding: false,
    title: 'cjm',
  };
  const screen = blessed.screen(screenOptions as unknown as blessed.Widgets.IScreenOptions);

  const header = blessed.box({ parent: screen, top: 0, left: 0, width: '100%', height: 1, tags: true, style: { bg: 'blue', fg: 'white' } });
  const table = blessed.box({ parent: screen, top: 1, left: 0, width: '100%', height: '40%', tags: true, border: 'line', wrap: false, label: ' Jobs ' });
  const logs = blessed.box({ parent: screen, top: '40%+1', left: 0, width: '72%', height: '60%-2', tags: true, border: 'line', wrap: false, label: ' Logs ' });
  const details = blessed.box({ parent: screen, top: '40%+1', left: '72%', width: '28%', height: '60%-2', tags: true, border: 'line', wrap: false, label: ' Job ' });
  const status = blessed.box({ parent: screen, bottom: 0, left: 0, width: '100%', height: 1, tags: true, wrap: false, style: { bg: 'black', fg: 'white' } });
  const overlay = blessed.box({ parent: screen, top: 'center', left: 'center', width: '70%', height: 3, tags: true, border: 'line', hidden: true, wrap: false, style: { border: { fg: 'yellow' } } });

  // A braille line chart needs about 9 rows to show anything between its axis labels: below that
  // (an 80x24 screen) the panel keeps its text sparklines.
  const chartMinRows = 9;
  const chartMaxRows = 14;
  let chart: { widget: ContribWidgets.LineElement; size: string; drawn?: ChartSeries } | undefined;

  const tableScroll = { offset: 0 };
  let dirty = true;
  let destroyed = false;

  // Boxes report their size only after layout; these are the inner (content) sizes.
  const inner = (b: blessed.Widgets.BoxElement) => ({
    width: Math.max(1, (b.width as number) - ((b.iwidth as number) ?? 2)),
    height: Math.max(1, (b.height as number) - ((b.iheight as number) ?? 2)),
  });

  // The job panel keeps a readable width on a narrow screen (28% of 80 columns is too few for
  // `MEM 48 MiB / 256 MiB`): between 30 and 60 columns, the log pane takes the rest.
  // With a running job's samples and room for both, the chart takes the bottom of the column.
  function layout(): { top: number; left: number; width: number; height: number } | undefined {
    const w = screen.width as number;
    const panel = Math.max(Math.min(30, w - 20), Math.min(60, Math.round(w * 0.28)));
    logs.width = w - panel;
    details.left = w - panel;
    details.width = panel;
    const column = logs.height as number;
    const height = Math.min(chartMaxRows, Math.floor(column / 2));
    const room = app.stats?.latest !== undefined && height >= chartMinRows;
    details.height = room ? column - height : column;
    return room ? { top: (logs.atop as number) + column - height, left: w - panel, width: panel, height } : undefined;
  }

  function drawChart(at: ReturnType<typeof layout>): void {
    const series = chartSeries(app);
    if (!at || !series) {
      chart?.widget.hide();
      return;
    }
    const size = `${at.width}x${at.height}`;
    if (chart?.size !== size) {
      chart?.widget.destroy();
      const widget = line({ ...at, label: series.label, border: { type: 'line' }, showLegend: false, minY: 0, maxY: 100, numYLabels: 4, wholeNumbersOnly: true, style: { line: 'green', text: 'white', baseline: 'white' } });
      screen.append(widget);
      chart = { widget, size };
    }
    const { widget } = chart;
    widget.position.top = at.top;
    widget.position.left = at.left;
    // Plotting is the chart's cost: only when a sample came (a log flood redraws every frame).
    if (!sameSeries(chart.drawn, series)) {
      widget.setLabel(series.label);
      widget.setData([
        { title: 'CPU', x: series.times, y: series.cpu, style: { line: 'green' } },
        { title: 'MEM', x: series.times, y: series.memory, style: { line: 'cyan' } },
      ]);
      chart.drawn = series;
    }
    widget.show();
  }

  function draw(): void {
    if (destroyed) return;
    dirty = false;
    const chartAt = layout();
    const t = inner(table);
    const l = inner(logs);
    const d = inner(details);
    // The help overlay is at most the screen less the header and status lines, borders included.
    const helpHeight = Math.max(1, (screen.height as number) - 4);
    app.setHeights({ table: Math.max(1, t.height - 1), log: l.height, help: helpHeight });

    header.setContent(headerText(app, screen.width as number));
    table.setLabel(tableLabel(app));
    table.setContent(tableLines(app, t.width, t.height, tableScroll).join('\n'));

    logs.setLabel(logLabel(app));
    logs.setContent(logRows(app, l.width, l.height).join('\n'));
    details.setContent(jobPanelText(app, d.width, { sparklines: !chartAt }));
    drawChart(chartAt);
    status.setContent(statusText(app, screen.width as number));

    const focusLog = app.context === 'log';
    table.style.border = { fg: focusLog ? 'gray' : 'cyan' };
    logs.style.border = { fg: focusLog ? 'cyan' : 'gray' };

    const m = app.mode;
    if (m.kind === 'help' || m.kind === 'confirm' || m.kind === 'form') {
      overlay.setLabel(m.kind === 'help' ? ' Keys ' : m.kind === 'confirm' ? ' Confirm ' : formTitle(app));
      const content = m.kind === 'help' ? helpText(m.scroll, helpHeight) : m.kind === 'confirm' ? confirmText(app) : formText(app);
      overlay.setContent(content);
      // As tall as its content, at most the screen below the header, so the bottom border shows.
      const w = screen.width as number;
      overlay.width = m.kind === 'help' ? Math.min(w - 2, 80) : Math.max(Math.min(w - 2, 60), Math.round(w * 0.7));
      overlay.height = Math.min(content.split('\n').length, helpHeight) + 2;
      overlay.top = Math.max(1, Math.floor(((screen.height as number) - (overlay.height as number)) / 2));
      overlay.show();
      overlay.setFront();
    } else {
      overlay.hide();
    }
    screen.render();
  }

  const offChange = app.onChange(() => {
    dirty = true;
  });
  const frame = setInterval(() => {
    if (dirty) draw();
  }, options.frameMs ?? 50);
  // Once a second: ages, run times and the "retrying in Ns" countdown move on their own.
  const tick = setInterval(() => {
    dirty = true;
  }, 1000);

  screen.on('keypress', (ch: string | undefined, key: { full?: string; name?: string } | undefined) => {
    const name = keyName(ch, key);
    if (!name) return;
    app.key(name, ch);
    draw();
  });
  screen.on('resize', () => draw());

  // Mouse: blessed reports screen cells; the table's first job row is below its border and header.
  type MouseData = { y: number };
  const top = (b: blessed.Widgets.BoxElement) => (b.lpos as { yi: number } | undefined)?.yi ?? (b.atop as number);
  table.on('click', (d: MouseData) => {
    const row = d.y - top(table) - 2;
    app.click('table', row >= 0 ? row + tableScroll.offset : undefined);
    draw();
  });
  logs.on('click', () => {
    app.click('log');
    draw();
  });
  const wheelStep = 3;
  for (const [box, pane] of [[table, 'table'], [logs, 'log']] as const) {
    box.on('wheelup', () => {
      app.wheel(pane, -wheelStep);
      draw();
    });
    box.on('wheeldown', () => {
      app.wheel(pane, wheelStep);
      draw();
    });
  }

  draw();

  return {
    screen,
    render() {
      if (dirty) draw();
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      offChange();
      clearInterval(frame);
      clearInterval(tick);
      screen.destroy();
    },
  };
}
