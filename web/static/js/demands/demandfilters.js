/* gridgov staff demand layer: its filter form (ES module). Built with createElement and
 * textContent only (names of areas and categories come from data). */

function field(label, control) {
  const wrap = document.createElement("label");
  wrap.className = "demand-filter";
  const text = document.createElement("span");
  text.textContent = label;
  wrap.append(text, control);
  return wrap;
}

function select(name, options) {
  const sel = document.createElement("select");
  sel.name = name;
  sel.className = "form-select form-select-sm";
  for (const [value, label, group] of options) {
    const opt = document.createElement("option");
    opt.value = value;
    opt.textContent = label;
    (group || sel).appendChild(opt);
  }
  return sel;
}

function categoryOptions(sel, categories) {
  const groups = {};
  for (const c of categories) {
    if (!c.parent_code) {
      groups[c.code] = document.createElement("optgroup");
      groups[c.code].label = c.name;
      sel.appendChild(groups[c.code]);
      const all = document.createElement("option");
      all.value = c.code;
      all.textContent = "全部" + c.name;
      groups[c.code].appendChild(all);
    }
  }
  for (const c of categories) {
    const group = c.parent_code && groups[c.parent_code];
    if (!group) continue;
    const opt = document.createElement("option");
    opt.value = c.code;
    opt.textContent = c.name;
    group.appendChild(opt);
  }
}

const LEVELS = { street: "", community: "　", grid: "　　" };

/** Render the filter controls into `el` for the scope `scope` (areas, groups, sources) and
 * the categories; call `onChange(filters)` on each change. Return the status element. */
export function renderFilters(el, scope, categories, periods, onChange) {
  el.replaceChildren();
  const form = document.createElement("form");
  form.className = "demand-filters";
  form.addEventListener("submit", (e) => e.preventDefault());
  const period = select("period", Object.entries(periods));
  const from = document.createElement("input");
  const to = document.createElement("input");
  for (const [input, name] of [[from, "from"], [to, "to"]]) {
    input.type = "date";
    input.name = name;
    input.className = "form-control form-control-sm";
    input.hidden = true;
  }
  const category = select("category", [["", "全部分类"]]);
  categoryOptions(category, categories);
  const state = select("state", [["", "全部状态"], ["open", "未结案"],
                                 ...Object.entries(scope.groups || {})]);
  const source = select("source", [["", "全部来源"], ...Object.entries(scope.sources || {})]);
  const areas = (scope.areas || []).filter((a) => a.code !== scope.scope);
  const within = select("within", [["", "整个" + (scope.name || "辖区")],
    ...areas.map((a) => [a.code, (LEVELS[a.level] || "") + a.name])]);
  const late = document.createElement("input");
  late.type = "checkbox";
  late.name = "overdue";
  late.className = "form-check-input";
  const lateBox = field("只看超期", late);
  lateBox.classList.add("demand-filter-check");
  const custom = document.createElement("div");
  custom.className = "demand-filter-dates";
  custom.append(from, to);
  form.append(field("时间", period), custom, field("分类", category), field("状态", state),
              field("来源", source), field("区域", within), lateBox);
  const statusEl = document.createElement("div");
  statusEl.className = "demand-status small text-muted";
  statusEl.setAttribute("role", "status");
  el.append(form, statusEl);
  const changed = () => {
    from.hidden = to.hidden = period.value !== "custom";
    onChange({ period: period.value, from: from.value, to: to.value, category: category.value,
               state: state.value, source: source.value, within: within.value,
               overdue: late.checked });
  };
  form.addEventListener("change", changed);
  return statusEl;
}
