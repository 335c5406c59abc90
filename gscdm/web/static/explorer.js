// Design explorer: the form is turned into a variant (the YAML grammar of gscdm compare, as
// JSON), posted to /api/products/{p}/explorer/evaluate on every change, and the comparison the
// server returns is shown. No number is computed here; a 422 is shown next to the field that
// produced the change it names (loc ["body", "changes", i, ...]).
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("explorer-data").textContent);
  const T = page.texts;
  const api = "/api/products/" + encodeURIComponent(page.product);
  const $ = (id) => document.getElementById(id);
  const nf = (digits) => new Intl.NumberFormat(page.locale, {minimumFractionDigits: digits, maximumFractionDigits: digits});
  const fmt = (value, digits = 2) => nf(digits).format(value);
  const signed = (value, digits = 2) => (value > 0 ? "+" : value < 0 ? "−" : "±") + fmt(Math.abs(value), digits);
  const pct = (value, digits = 1) => new Intl.NumberFormat(page.locale, {style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits}).format(value);
  const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const materialNames = new Set(page.options.materials.map((m) => m.name));
  const baseScenario = page.options.scenario;
  let legs = JSON.parse(JSON.stringify(baseScenario.distribution.legs));
  let rowCounter = 0;
  let sequence = 0;
  let timer = null;
  let errorSlots = [];  // change index → id of the element that shows its error
  let params = null;  // ${name} values of a loaded variant file
  const SCENARIO_FIELDS = {lifetime_years: "sc-lifetime-err"};

  // -- recycled content per material group ----------------------------------------------------
  const groupRows = Array.from(document.querySelectorAll("tr.group-row"));
  const metal = /alumin|magnes|steel|iron|copper|zinc|titan|nickel|metal|tin|brass/i;
  for (const row of groupRows) {
    const i = row.dataset.index;
    const kinds = row.dataset.kinds ? row.dataset.kinds.split(",") : [];
    $(`g-${i}-kind`).value = kinds.length === 1 ? kinds[0] : (metal.test(row.dataset.group) ? "recycled-metal" : "PCC");
    const share = $(`g-${i}-share`);
    share.addEventListener("input", () => {
      $(`g-${i}-out`).textContent = share.value + " %";
      $(`g-${i}-on`).checked = true;
      schedule();
    });
    $(`g-${i}-kind`).addEventListener("change", () => { $(`g-${i}-on`).checked = true; schedule(); });
    $(`g-${i}-on`).addEventListener("change", schedule);
  }

  function recycledChanges() {
    const out = [];
    for (const row of groupRows) {
      const i = row.dataset.index;
      if (!$(`g-${i}-on`).checked) continue;
      out.push([{recycled: {select: {group: "^" + escapeRegex(row.dataset.group) + "$"},
                            kind: $(`g-${i}-kind`).value, share: Number($(`g-${i}-share`).value) / 100}},
                `g-${i}-err`]);
    }
    return out;
  }

  // -- changes to parts and materials -------------------------------------------------------
  const datalists = () => {
    const parts = page.options.parts.map((p) => `<option value="${attr(p.part_number)}">${html(p.name || "")}</option>`).join("");
    const mats = page.options.materials.map((m) => `<option value="${attr(m.name)}"></option>`).join("");
    const groups = page.options.groups.map((g) => `<option value="${attr(g.group)}"></option>`).join("");
    document.body.insertAdjacentHTML("beforeend", `<datalist id="dl-parts">${parts}</datalist><datalist id="dl-materials">${mats}</datalist><datalist id="dl-groups">${groups}</datalist>`);
  };
  const html = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const attr = html;

  function field(id, label, input) {
    return `<span class="field"><label for="${id}">${html(label)}</label>${input}</span>`;
  }

  function addChange(kind, values = {}) {
    const n = ++rowCounter;
    const row = document.createElement("div");
    row.className = "change";
    row.dataset.kind = kind;
    row.id = `c-${n}`;
    const v = (key, fallback = "") => attr(values[key] ?? fallback);
    let body = "";
    const select = field(`c-${n}-part`, T.part, `<input id="c-${n}-part" list="dl-parts" value="${v("part")}">`);
    const material = field(`c-${n}-material`, T.material, `<input id="c-${n}-material" list="dl-materials" value="${v("material")}">`);
    const group = field(`c-${n}-group`, T.material_group, `<input id="c-${n}-group" list="dl-groups" value="${v("group")}">`);
    if (kind === "substitute") {
      body = select + material + group +
        field(`c-${n}-to`, T.to_name, `<input id="c-${n}-to" value="${v("to")}">`) +
        field(`c-${n}-togroup`, T.to_group, `<input id="c-${n}-togroup" list="dl-groups" value="${v("togroup")}">`) +
        field(`c-${n}-ratio`, T.mass_ratio, `<input id="c-${n}-ratio" type="number" min="0" step="0.01" value="${v("ratio", 1)}">`);
    } else if (kind === "replace") {
      body = select +
        field(`c-${n}-to`, T.to_name, `<input id="c-${n}-to" value="${v("to", "Moulded bamboo fibre cushion (bio-based)")}">`) +
        field(`c-${n}-togroup`, T.to_group, `<input id="c-${n}-togroup" list="dl-groups" value="${v("togroup", "Paper and board")}">`) +
        field(`c-${n}-ratio`, T.mass_ratio, `<input id="c-${n}-ratio" type="number" min="0" step="0.01" value="${v("ratio", 1)}">`) +
        `<span class="field check"><input type="checkbox" id="c-${n}-bio" ${values.bio === false ? "" : "checked"}><label for="c-${n}-bio">${html(T.bio_based)}</label></span>`;
    } else if (kind === "remove") {
      body = select + material;
    } else if (kind === "scale") {
      body = select + material + field(`c-${n}-factor`, T.factor, `<input id="c-${n}-factor" type="number" min="0" step="0.05" value="${v("factor", 1)}">`);
    } else {  // a change loaded from a file that the form has no fields for: kept as it is
      row.dataset.raw = JSON.stringify(values.raw);
      body = `<code class="raw">${html(JSON.stringify(values.raw))}</code>`;
    }
    const title = {substitute: T.substitute, replace: T.replace, remove: T.remove, scale: T.scale}[kind] || Object.keys(values.raw || {})[0];
    row.innerHTML = `<h3 class="change-title">${html(title)}</h3><div class="fields">${body}</div>` +
      `<button type="button" class="delete" aria-label="${attr(T.delete + ": " + title)}">${html(T.delete)}</button>` +
      `<span class="field-error" id="c-${n}-err" role="alert"></span>`;
    $("changes-list").appendChild(row);
    row.querySelector("button.delete").addEventListener("click", () => { row.remove(); schedule(); });
    row.addEventListener("input", schedule);
    row.addEventListener("change", schedule);
    const first = row.querySelector("input");
    if (first && !values.quiet) first.focus();
    schedule();
  }

  function selectorOf(row) {
    const n = row.id.slice(2);
    const value = (suffix) => { const el = $(`c-${n}-${suffix}`); return el ? el.value.trim() : ""; };
    const select = {};
    if (value("part")) select.part = value("part");
    const material = value("material");
    if (material) select.material = materialNames.has(material) ? "^" + escapeRegex(material) + "$" : material;
    if (value("group")) select.group = value("group");
    return [select, value];
  }

  function partChanges() {
    const out = [];
    for (const row of document.querySelectorAll("#changes-list .change")) {
      const [select, value] = selectorOf(row);
      const err = row.id + "-err";
      const number = (suffix) => { const text = value(suffix); return text === "" ? null : Number(text); };
      switch (row.dataset.kind) {
        case "substitute": {
          const to = {name: value("to")};
          if (value("togroup")) to.group = value("togroup");
          out.push([{substitute: {select, to, mass_ratio: number("ratio")}}, err]);
          break;
        }
        case "replace": {
          const n = row.id.slice(2);
          const material = {name: value("to"), group: value("togroup") || null, mass_ratio: number("ratio")};
          if ($(`c-${n}-bio`).checked) material.recycled = {kind: "bio-based", share: 1};
          out.push([{replace: {select, materials: [material]}}, err]);
          break;
        }
        case "remove": out.push([{remove: {select}}, err]); break;
        case "scale": out.push([{scale: {select, factor: number("factor")}}, err]); break;
        default: out.push([JSON.parse(row.dataset.raw), err]);
      }
    }
    return out;
  }
  $("add-change").addEventListener("click", () => addChange($("new-kind").value));

  // -- scenario -------------------------------------------------------------------------------
  function renderLegs() {
    const body = $("legs-body");
    body.innerHTML = "";
    legs.forEach((leg, i) => {
      const modes = page.options.transport_modes.map((m) => `<option value="${attr(m)}" ${m === leg.mode ? "selected" : ""}>${html(T.modes[m] || m)}</option>`).join("");
      const tr = document.createElement("tr");
      tr.innerHTML = `<td><label class="visually-hidden" for="leg-${i}-mode">${html(T.mode)} ${i + 1}</label><select id="leg-${i}-mode">${modes}</select></td>` +
        `<td><label class="visually-hidden" for="leg-${i}-km">${html(T.km)} ${i + 1}</label><input id="leg-${i}-km" type="number" min="0" step="10" value="${attr(leg.km)}"></td>` +
        `<td><label class="visually-hidden" for="leg-${i}-share">${html(T.leg_share)} ${i + 1}</label><input id="leg-${i}-share" type="number" min="0" max="1" step="0.01" value="${attr(leg.share ?? 1)}"></td>` +
        `<td><button type="button" aria-label="${attr(T.delete)} ${i + 1}">${html(T.delete)}</button></td>`;
      tr.querySelector("select").addEventListener("change", (e) => { leg.mode = e.target.value; schedule(); });
      tr.querySelector(`#leg-${i}-km`).addEventListener("input", (e) => { leg.km = e.target.value === "" ? null : Number(e.target.value); schedule(); });
      tr.querySelector(`#leg-${i}-share`).addEventListener("input", (e) => { leg.share = e.target.value === "" ? null : Number(e.target.value); schedule(); });
      tr.querySelector("button").addEventListener("click", () => { legs.splice(i, 1); renderLegs(); schedule(); });
      body.appendChild(tr);
    });
  }
  $("add-leg").addEventListener("click", () => { legs.push({mode: "truck", km: 100}); renderLegs(); schedule(); });
  $("sc-pv").addEventListener("input", () => { $("sc-pv-out").textContent = $("sc-pv").value + " %"; });
  for (const id of ["sc-lifetime", "sc-use", "sc-factory", "sc-pv", "sc-solder"]) {
    $(id).addEventListener("input", schedule);
    $(id).addEventListener("change", schedule);
  }

  function scenarioChange() {
    const spec = {};
    const lifetime = $("sc-lifetime").value;
    if (lifetime === "" || Number(lifetime) !== Number(baseScenario.lifetime_years)) spec.lifetime_years = lifetime === "" ? null : Number(lifetime);
    if ($("sc-use").value !== baseScenario.use.region) spec.use = {region: $("sc-use").value};
    const factory = {};
    if ($("sc-factory").value !== baseScenario.factory.region) factory.region = $("sc-factory").value;
    const pv = Number($("sc-pv").value) / 100;
    if (Math.abs(pv - (baseScenario.factory.pv_share || 0)) > 1e-9) factory.pv_share = pv;
    if ($("sc-solder").value !== baseScenario.factory.solder) factory.solder = $("sc-solder").value;
    if (Object.keys(factory).length) spec.factory = factory;
    const plain = (list) => JSON.stringify(list.map((l) => [l.mode, Number(l.km)]));
    if (plain(legs) !== plain(baseScenario.distribution.legs)) {
      // a leg's share (of the units that travel it) is kept: dropping it would send every
      // unit along both the sea and the air route of the default scenario
      spec.distribution = {legs: legs.map((l) => {
        const leg = {mode: l.mode, km: l.km};
        if (l.share !== undefined && l.share !== null && l.share !== 1) leg.share = l.share;
        if (l.note) leg.note = l.note;
        return leg;
      })};
    }
    return Object.keys(spec).length ? [[{scenario: spec}, "sc-err"]] : [];
  }

  // -- the request ----------------------------------------------------------------------------
  function design() {
    const pairs = [...recycledChanges(), ...partChanges(), ...scenarioChange()];
    errorSlots = pairs.map((p) => p[1]);
    return pairs.map((p) => p[0]);
  }

  function clearErrors() {
    for (const el of document.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of document.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    }
  }

  function showErrors(detail, fallback) {
    for (const error of detail) {
      const loc = error.loc || [];
      let slot = fallback;
      if (loc[1] === "changes" && Number.isInteger(loc[2]) && errorSlots[loc[2]]) {
        slot = errorSlots[loc[2]];
        // a scenario value's own field: loc [..., "scenario", "scenario", "lifetime_years"]
        if (slot === "sc-err" && SCENARIO_FIELDS[loc[5]]) slot = SCENARIO_FIELDS[loc[5]];
      } else if (loc[1] === "name") slot = "save-name-err";
      else if (loc[1] === "iterations") slot = "mc-err";
      const el = $(slot);
      el.textContent = (el.textContent ? el.textContent + " " : "") + error.msg;
      const owner = el.closest(".change, tr");
      const input = $(slot.replace(/-err$/, "")) || (owner && owner.querySelector("input, select"));
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", slot);
      }
    }
  }

  function body() {
    const data = {name: $("save-name").value.trim() || "Explorer design", changes: design()};
    if (params) data.params = params;
    if ($("mc-on").checked) data.iterations = Number($("mc-iterations").value);
    return data;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, 25);
  }

  async function update() {
    const mine = ++sequence;
    const payload = body();
    const started = performance.now();
    $("result").setAttribute("aria-busy", "true");
    if (payload.iterations) $("result-latency").textContent = T.computing;  // the first draws take seconds
    let response;
    try {
      response = await fetch(api + "/explorer/evaluate", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(payload)});
    } catch (error) {
      if (mine === sequence) $("result-error").textContent = String(error);
      return;
    }
    const data = await response.json();
    if (mine !== sequence) return;  // a newer request is on its way: show only the latest
    clearErrors();
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    $("result").classList.toggle("stale", !response.ok);  // old numbers are not this design's
    if (!response.ok) {
      $("result-error").textContent = T.error;
      showErrors(data.detail || [{loc: [], msg: data.message || response.statusText}], "result-error");
      $("result").setAttribute("aria-busy", "false");
      return;
    }
    $("result").setAttribute("aria-busy", "false");
    show(data, performance.now() - started, payload.changes.length);
  }

  function show(comparison, ms, changes) {
    const base = comparison.baseline;
    const variant = comparison.variants[0];
    $("result-baseline").textContent = fmt(base.total_kg_co2e);
    $("result-total").textContent = fmt(variant.total_kg_co2e);
    $("result-total").dataset.value = String(variant.total_kg_co2e);
    $("result-delta").textContent = `${signed(variant.delta_kg_co2e)} kg (${variant.delta_pct > 0 ? "+" : ""}${pct(variant.delta_pct)})`;
    $("result-delta").className = variant.delta_kg_co2e < 0 ? "better" : variant.delta_kg_co2e > 0 ? "worse" : "";
    const mc = variant.probability_lower !== undefined;
    for (const el of document.querySelectorAll(".mc")) el.hidden = !mc;
    if (mc) {
      const p = variant.delta_percentiles;
      $("result-range").textContent = `${signed(p.p5)} … ${signed(p.p95)} kg (${comparison.uncertainty.iterations})`;
      $("result-pbetter").textContent = pct(variant.probability_lower, 0);
    }
    for (const row of document.querySelectorAll("#result-stages tbody tr")) {
      const stage = row.dataset.stage;
      const cells = row.querySelectorAll("td");
      cells[0].textContent = fmt(base.by_stage[stage]);
      cells[1].textContent = fmt(variant.by_stage[stage]);
      cells[2].textContent = signed(variant.by_stage_delta[stage]);
    }
    const list = $("result-changes");
    list.innerHTML = changes ? "" : `<li class="muted">${html(T.no_changes)}</li>`;
    for (const change of variant.changes) {
      const li = document.createElement("li");
      li.innerHTML = `<strong>${html(signed(change.delta_kg_co2e, 3))} kg</strong> ${html(change.description)}`;
      list.appendChild(li);
    }
    $("result-latency").textContent = T.updated.replace("{ms}", Math.round(ms));
    const notes = $("result-notes");
    notes.innerHTML = "";
    for (const note of comparison.notes || []) {
      const li = document.createElement("li");
      li.textContent = note;
      notes.appendChild(li);
    }
  }

  // -- saving and loading variant files ---------------------------------------------------------
  $("save-button").addEventListener("click", async () => {
    clearErrors();
    $("save-message").textContent = "";
    const payload = body();
    delete payload.iterations;
    payload.name = $("save-name").value.trim();
    const response = await fetch(api + "/variants", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(payload)});
    const data = await response.json();
    if (!response.ok) {
      showErrors(data.detail || [{loc: ["body", "name"], msg: data.message}], "save-name-err");
      $("save-name").focus();
      return;
    }
    $("save-message").innerHTML = `${html(T.saved.replace("{path}", data.path))}<br>${html(T.compare_cmd)} <code>${html(data.command)}</code>`;
    loadFiles(data.file);
  });

  let files = [];
  async function loadFiles(selected) {
    const response = await fetch(api + "/variants");
    files = (await response.json()).variants;
    const chooser = $("variant-file");
    chooser.innerHTML = files.length ? "" : `<option value="">${html(T.no_files)}</option>`;
    for (const file of files) {
      const option = document.createElement("option");
      option.value = file.file;
      option.textContent = `${file.name} (${file.file})` + (file.content ? "" : ` — ${T.unreadable}`);
      chooser.appendChild(option);
    }
    if (selected) chooser.value = selected;
    describeFile();
  }
  function describeFile() {
    const file = files.find((f) => f.file === $("variant-file").value);
    $("variant-file-info").textContent = file ? (file.error || file.description || "") : "";
    $("load-file").disabled = !(file && file.content);
  }
  $("variant-file").addEventListener("change", describeFile);
  $("load-file").addEventListener("click", () => {
    const file = files.find((f) => f.file === $("variant-file").value);
    if (file && file.content) apply(file.content);
  });

  function apply(content) {
    // reset to the baseline, then map each change onto the form
    for (const row of groupRows) {
      const i = row.dataset.index;
      $(`g-${i}-on`).checked = false;
      $(`g-${i}-share`).value = Math.round(Number(row.dataset.declared) * 100);
      $(`g-${i}-out`).textContent = $(`g-${i}-share`).value + " %";
    }
    $("changes-list").innerHTML = "";
    legs = JSON.parse(JSON.stringify(baseScenario.distribution.legs));
    $("sc-lifetime").value = baseScenario.lifetime_years;
    $("sc-use").value = baseScenario.use.region;
    $("sc-factory").value = baseScenario.factory.region;
    $("sc-pv").value = Math.round((baseScenario.factory.pv_share || 0) * 100);
    $("sc-solder").value = baseScenario.factory.solder;
    $("save-name").value = content.name || "";
    params = content.params || null;
    for (const change of content.changes || []) {
      const [kind, spec] = Object.entries(change)[0];
      const select = (spec && spec.select) || {};
      const onlyGroup = Object.keys(select).length === 1 && typeof select.group === "string";
      const row = onlyGroup && groupRows.find((r) => "^" + escapeRegex(r.dataset.group) + "$" === select.group);
      if (kind === "recycled" && row && !String(spec.share).includes("$")) {
        const i = row.dataset.index;
        const share = String(spec.share).endsWith("%") ? parseFloat(spec.share) / 100 : Number(spec.share);
        $(`g-${i}-on`).checked = true;
        $(`g-${i}-kind`).value = spec.kind || "PCC";
        $(`g-${i}-share`).value = Math.round(share * 100);
        $(`g-${i}-out`).textContent = $(`g-${i}-share`).value + " %";
      } else if (kind === "scenario" && !Object.keys(spec).some((k) => !["lifetime_years", "use", "factory", "distribution"].includes(k))) {
        if (spec.lifetime_years !== undefined) $("sc-lifetime").value = spec.lifetime_years;
        if (spec.use && spec.use.region) $("sc-use").value = spec.use.region;
        if (spec.factory && spec.factory.region) $("sc-factory").value = spec.factory.region;
        if (spec.factory && spec.factory.pv_share !== undefined) $("sc-pv").value = Math.round(spec.factory.pv_share * 100);
        if (spec.factory && spec.factory.solder) $("sc-solder").value = spec.factory.solder;
        if (spec.distribution && spec.distribution.legs) legs = JSON.parse(JSON.stringify(spec.distribution.legs));
      } else {
        addChange("raw", {raw: change, quiet: true});
      }
    }
    $("sc-pv-out").textContent = $("sc-pv").value + " %";
    renderLegs();
    schedule();
  }

  datalists();
  renderLegs();
  loadFiles();
  update();
})();
