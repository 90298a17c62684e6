// What a person sees on the editor's canvas: "zoom to fit" (Node-RED 5's action, done
// by hand on 4.1, which has none: zoom out step by step until the flow fits, then
// scroll to it), and where each node and wire of the open tab lands on the screen.
import type { Page } from 'playwright-core';

declare const RED: any; // the editor's global, inside page.evaluate

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface CanvasView {
  /** the visible part of the canvas on the screen (not under the sidebar) */
  viewport: Box;
  scale: number;
  nodes: { id: string; type: string; name: string; w: number; box: Box }[];
  /** one per wire: source and target node, and the x of its two ends on the screen */
  wires: { from: string; to: string; x1: number; x2: number }[];
}

/** Double-clicks a node on its tab, as a person opens its edit dialog, and waits for the dialog's form. */
export async function openNodeDialog(page: Page, node: { id: string; z?: string }): Promise<void> {
  await page.evaluate((n) => {
    if (n.z) RED.workspaces.show(n.z);
    RED.view.reveal(n.id);
  }, node);
  await page.locator(`[id="${node.id}"] .red-ui-flow-node`).dblclick();
  await page.locator('#dialog-form .form-row').first().waitFor();
}

/** Shows a tab and zooms it to fit the visible canvas. */
export async function zoomToFit(page: Page, tab: string): Promise<void> {
  await page.evaluate(async (tabId) => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    RED.workspaces.show(tabId);
    RED.view.select({});
    await frame();
    let fit = false;
    try {
      fit = !!RED.actions.get('core:zoom-fit'); // Node-RED 4.1 throws for an unknown action
    } catch { /* none */ }
    if (fit) {
      RED.actions.invoke('core:zoom-fit');
      // it animates; wait until the scale stops changing
      let last = -1;
      for (let i = 0; i < 100 && RED.view.scale() !== last; i++) {
        last = RED.view.scale();
        await new Promise((r) => setTimeout(r, 50));
      }
      return;
    }
    const chart = document.getElementById('red-ui-workspace-chart')!;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    RED.nodes.eachNode((n: any) => {
      if (n.z !== tabId) return;
      minX = Math.min(minX, n.x - n.w / 2); maxX = Math.max(maxX, n.x + n.w / 2);
      minY = Math.min(minY, n.y - n.h / 2); maxY = Math.max(maxY, n.y + n.h / 2);
    });
    RED.nodes.eachGroup?.((g: any) => {
      if (g.z !== tabId) return;
      minX = Math.min(minX, g.x); maxX = Math.max(maxX, g.x + g.w);
      minY = Math.min(minY, g.y); maxY = Math.max(maxY, g.y + g.h);
    });
    const pad = 40;
    RED.actions.invoke('core:zoom-reset');
    await frame();
    for (let i = 0; i < 20; i++) {
      const s = RED.view.scale();
      if ((maxX - minX + 2 * pad) * s <= chart.clientWidth && (maxY - minY + 2 * pad) * s <= chart.clientHeight) break;
      if (s <= 0.31) break;
      RED.actions.invoke('core:zoom-out');
      await frame();
    }
    const s = RED.view.scale();
    chart.scrollTo(Math.max(0, (minX - pad) * s), Math.max(0, (minY - pad) * s));
    await frame();
  }, tab);
}

/** Where the open tab's nodes and wires are on the screen now. */
export async function canvasView(page: Page): Promise<CanvasView> {
  return page.evaluate(() => {
    const rect = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    const chart = rect(document.getElementById('red-ui-workspace-chart')!);
    const sidebar = document.getElementById('red-ui-sidebar');
    const sideLeft = sidebar && sidebar.offsetParent !== null && sidebar.getBoundingClientRect().width > 0 ? sidebar.getBoundingClientRect().left : Infinity;
    // the chart's scrollbars are not canvas
    const chartEl = document.getElementById('red-ui-workspace-chart')!;
    const viewport = { left: chart.left, top: chart.top, right: Math.min(chart.left + chartEl.clientWidth, sideLeft), bottom: chart.top + chartEl.clientHeight };
    const tab = RED.workspaces.active();
    const nodes: CanvasView['nodes'] = [];
    const boxes = new Map<string, { left: number; right: number }>();
    RED.nodes.eachNode((n: any) => {
      if (n.z !== tab) return;
      const el = document.querySelector(`[id="${n.id}"] .red-ui-flow-node`);
      const box = el ? rect(el) : { left: NaN, top: NaN, right: NaN, bottom: NaN };
      boxes.set(n.id, box);
      nodes.push({ id: n.id, type: n.type, name: n.name || '', w: n.w, box });
    });
    const wires: CanvasView['wires'] = [];
    RED.nodes.eachLink((l: any) => {
      if (l.source.z !== tab) return;
      const a = boxes.get(l.source.id);
      const b = boxes.get(l.target.id);
      if (a && b) wires.push({ from: l.source.id, to: l.target.id, x1: a.right, x2: b.left });
    });
    return { viewport, scale: RED.view.scale(), nodes, wires };
  });
}

/** Problems a person would see: nodes off screen, wires running right to left across more than one node's width. */
export function layoutProblems(view: CanvasView): string[] {
  const out: string[] = [];
  const v = view.viewport;
  for (const n of view.nodes) {
    const b = n.box;
    if (!(b.left >= v.left && b.right <= v.right && b.top >= v.top && b.bottom <= v.bottom)) {
      out.push(`${n.type} "${n.name || n.id}" is outside the visible canvas (${Math.round(b.left)},${Math.round(b.top)})-(${Math.round(b.right)},${Math.round(b.bottom)}) vs (${Math.round(v.left)},${Math.round(v.top)})-(${Math.round(v.right)},${Math.round(v.bottom)})`);
    }
  }
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  for (const w of view.wires) {
    // a wire runs backwards when its target starts left of its source's output
    const back = w.x1 - w.x2;
    const nodeWidth = (byId.get(w.from)!.w) * view.scale;
    if (back > nodeWidth) out.push(`the wire ${w.from} → ${w.to} runs ${Math.round(back)} px right to left (more than the node's ${Math.round(nodeWidth)} px)`);
  }
  return out;
}
