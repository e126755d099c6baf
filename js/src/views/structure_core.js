// The structure view's data side, no DOM: the node list as a tree, consecutive siblings
// with the same signature folded into one group ("12 × BertLayer"), the rows visible
// for a set of expanded ids, a default expansion, and search by name or type.

/** `{byId, kids, roots}` from nodes in depth-first order (`parent` null for the root). */
export function buildTree(nodes) {
  const byId = new Map();
  const kids = new Map();
  const roots = [];
  for (const n of nodes) {
    byId.set(n.id, n);
    if (n.parent === null || n.parent === undefined || !byId.has(n.parent)) roots.push(n);
    else {
      if (!kids.has(n.parent)) kids.set(n.parent, []);
      kids.get(n.parent).push(n);
    }
  }
  return { byId, kids, roots };
}

/** Fold runs of 2+ consecutive siblings with equal signatures (and a type) into groups. */
export function groupRepeats(children) {
  const out = [];
  let i = 0;
  while (i < children.length) {
    let j = i + 1;
    const sig = children[i].signature;
    while (sig && j < children.length && children[j].signature === sig) j++;
    if (j - i >= 2) {
      out.push({ group: true, key: `group:${children[i].id}`, members: children.slice(i, j), node: children[i] });
    } else out.push({ group: false, key: children[i].id, node: children[i] });
    i = j;
  }
  return out;
}

/** Rows to draw: `[{item, depth}]`, walking expanded nodes and groups only. */
export function visibleRows(tree, expanded, limit = 5000) {
  const rows = [];
  const walk = (item, depth) => {
    if (rows.length >= limit) return;
    rows.push({ item, depth });
    if (!expanded.has(item.key)) return;
    if (item.group) {
      for (const m of item.members) walk({ group: false, key: m.id, node: m }, depth + 1);
      return;
    }
    for (const child of groupRepeats(tree.kids.get(item.node.id) || [])) walk(child, depth + 1);
  };
  for (const r of groupRepeats(tree.roots)) walk(r, 0);
  return rows;
}

/** Expand level by level while the tree stays under `budget` visible rows. */
export function defaultExpanded(tree, budget = 40) {
  const expanded = new Set();
  let level = groupRepeats(tree.roots);
  let visible = level.length;
  while (level.length) {
    const next = [];
    let add = 0;
    for (const item of level) {
      if (item.group) continue; // repeated blocks stay folded
      const kids = groupRepeats(tree.kids.get(item.node.id) || []);
      if (kids.length) {
        add += kids.length;
        next.push(...kids);
      }
    }
    if (!next.length || (visible + add > budget && visible > 1)) break;
    for (const item of level) if (!item.group && tree.kids.has(item.node.id)) expanded.add(item.key);
    visible += add;
    level = next;
  }
  return expanded;
}

/** Nodes whose id, name or type contains `query` (case-insensitive), at most `limit`. */
export function searchNodes(nodes, query, limit = 200) {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const out = [];
  for (const n of nodes) {
    if (`${n.id}\u0000${n.type}`.toLowerCase().includes(q)) {
      out.push(n);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** The keys to expand so that node `id` is visible (its ancestors, and the group of
 * repeated siblings it sits in). */
export function revealKeys(tree, id) {
  const keys = [];
  let n = tree.byId.get(id);
  while (n && n.parent !== null && n.parent !== undefined && tree.byId.has(n.parent)) {
    const siblings = groupRepeats(tree.kids.get(n.parent) || []);
    const g = siblings.find((s) => s.group && s.members.some((m) => m.id === n.id));
    if (g) keys.push(g.key);
    keys.push(n.parent);
    n = tree.byId.get(n.parent);
  }
  return keys;
}

export function formatShape(shape) {
  if (!shape) return "";
  if (Array.isArray(shape[0])) return shape.map(formatShape).join(", ");
  return `(${shape.map((s) => (s === null ? "n" : s)).join(", ")})`;
}
