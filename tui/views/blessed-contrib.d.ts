// The line chart alone: blessed-contrib's index loads every widget (maps, pictures, markdown), which
// costs the TUI 12.6 MB and half a second at start against 4.8 MB and 50 ms for this one file.
declare module 'blessed-contrib/lib/widget/charts/line.js' {
  import type { Widgets } from 'blessed-contrib';

  const line: (options: Widgets.LineOptions) => Widgets.LineElement;
  export = line;
}
