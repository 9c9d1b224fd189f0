// The dashboard's stylesheet, served as /assets/dashboard.css.
export const STYLE = `
:root {
  --ink: #1a202c; --muted: #5a6577; --line: #e2e8f0; --panel: #ffffff; --page: #f5f7fa; --accent: #2b6cb0;
  --new: #2b6cb0; --running: #b7791f; --complete: #2f855a; --failed: #c53030; --cancelled: #718096;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; color: var(--ink); background: var(--page);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1a202c; color: #fff; }
header.top .brand { color: #fff; font-weight: 700; font-size: 16px; }
header.top nav { display: flex; gap: 16px; }
header.top nav a { color: #cbd5e0; padding: 4px 0; }
header.top nav a[aria-current="page"] { color: #fff; border-bottom: 2px solid #63b3ed; }
header.top .mode { margin-left: auto; background: #4a5568; border-radius: 4px; padding: 2px 8px; font-size: 12px; }
main { padding: 16px 24px 48px; max-width: 1400px; }
h1 { font-size: 20px; margin: 4px 0 16px; }
h2 { font-size: 15px; margin: 0 0 10px; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin-bottom: 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; margin-bottom: 16px; }
.grid > section.panel { margin-bottom: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 140px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 650; margin-top: 2px; }
.card { color: var(--ink); border-top: 4px solid var(--line); }
.card:hover { text-decoration: none; border-color: #a0aec0; }
.card-new { border-top-color: var(--new); } .card-running { border-top-color: var(--running); }
.card-complete { border-top-color: var(--complete); } .card-failed { border-top-color: var(--failed); }
.card-cancelled { border-top-color: var(--cancelled); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.nowrap { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: none; }
.empty { color: var(--muted); font-style: italic; }
.muted { color: var(--muted); }
.status { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 11px; font-weight: 700; letter-spacing: .03em; color: #fff; }
.status-new { background: var(--new); } .status-running { background: var(--running); } .status-complete { background: var(--complete); }
.status-failed { background: var(--failed); } .status-cancelled { background: var(--cancelled); }
.estimate { color: var(--muted); }
.lag-warn { color: var(--failed); font-weight: 600; }
#throughput-chart { min-height: 240px; }
.refreshed { color: var(--muted); font-size: 12px; margin-left: 8px; font-weight: normal; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-end; }
form.filters label, form.login label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 3px; }
input, select, button { font: inherit; padding: 5px 8px; border: 1px solid #cbd5e0; border-radius: 4px; background: #fff; color: var(--ink); }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { background: var(--failed); border-color: var(--failed); }
button.secondary, a.button.secondary { background: #fff; color: var(--ink); border-color: #cbd5e0; }
a.button { display: inline-block; padding: 5px 10px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; }
a.button.danger { background: var(--failed); border-color: var(--failed); }
a.button:hover { text-decoration: none; filter: brightness(1.1); }
.actions { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0 16px; }
.quick { font-size: 12px; display: flex; gap: 10px; margin-top: 8px; }
.pager { display: flex; gap: 16px; align-items: center; margin-top: 12px; }
.notice { border-radius: 6px; padding: 10px 14px; margin: 0 0 16px; background: #ebf8ff; border: 1px solid #bee3f8; }
.notice-error { background: #fff5f5; border-color: #fed7d7; color: #822727; }
.notice-done { background: #f0fff4; border-color: #c6f6d5; color: #22543d; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; word-break: break-all; }
pre.json, pre.traceback { background: #f7fafc; border: 1px solid var(--line); border-radius: 4px; padding: 10px; overflow: auto; max-height: 420px; margin: 6px 0 0; white-space: pre-wrap; word-break: break-word; }
pre.traceback { background: #fff5f5; border-color: #fed7d7; }
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 14px; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; padding: 4px 0 10px 12px; }
ol.timeline li::before { content: ""; position: absolute; left: -21px; top: 9px; width: 10px; height: 10px; border-radius: 50%; background: var(--line); border: 2px solid #fff; }
ol.timeline li.ok::before { background: var(--complete); } ol.timeline li.bad::before { background: var(--failed); }
ol.timeline li.run::before { background: var(--running); } ol.timeline li.new::before { background: var(--new); }
.error-head { font-weight: 600; color: var(--failed); }
.login { display: flex; gap: 10px; align-items: flex-end; }
`;
