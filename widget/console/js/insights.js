/* The admins' insights page: a period's figures and charts, the questions the bot could
 * not answer, grouped by meaning, each with a draft FAQ to edit and download (draft.js),
 * and the answers agents marked good (taught.js). Reads GET /api/admin/insights with the
 * console's session (the same tab's sign-in). */
import { $, h, clear } from "./dom.js";
import { state, loadSession, checkedFetch } from "./state.js";
import { barChart } from "./charts.js";
import { draftEditor } from "./draft.js";
import { loadTaught } from "./taught.js";

function percent(share) { return share === null || share === undefined ? "–" : (share * 100).toFixed(1) + " %"; }
function seconds(value) { return value === null || value === undefined ? "–" : Math.round(value) + " s"; }

function load() {
  $("status").textContent = "Counting and grouping the questions of this period…";
  checkedFetch("/api/admin/insights?since=" + encodeURIComponent($("period").value))
    .then((response) => response.json())
    .then(show)
    .catch((error) => { $("report").hidden = true; $("status").textContent = error.message; });
  loadTaught();
}

function chart(id, rows, describe, empty) {
  const box = $(id);
  clear(box);
  box.appendChild(rows.length ? barChart(rows, describe) : h("p", { class: "muted", text: empty }));
}

function show(report) {
  $("status").textContent = "From " + report.since + " to " + report.until + ".";
  $("report").hidden = false;
  $("conversations").textContent = report.conversations;
  $("containment").textContent = percent(report.containment_rate);
  $("handoffs").textContent = report.handoffs;
  $("waits").textContent = seconds(report.median_wait_s) + " / " + seconds(report.p90_wait_s);
  const csat = report.csat;
  $("csat").textContent = csat.average === null ? "–" : csat.average + " / 5 (" + csat.ratings + ")";
  chart("chart-reasons", Object.entries(report.handoffs_by_reason), "Hand-offs by reason", "No hand-offs.");
  chart("chart-ratings", Object.entries(csat.by_score), "Ratings by score", "No ratings.");
  chart("chart-faqs", Object.entries(report.faq_hits).filter((row) => row[1] > 0).slice(0, 12),
    "FAQ answers given", "No FAQ answers.");
  chart("chart-rejections", Object.entries(report.faq_rejections), "Rejected FAQ answers", "None rejected.");
  $("never-count").textContent = report.faqs_never_hit.length;
  $("never-hit").textContent = report.faqs_never_hit.join(", ") || "Every FAQ was used.";
  const list = $("clusters");
  clear(list);
  report.clusters.forEach((cluster) => list.appendChild(clusterCard(cluster)));
  $("clusters-empty").hidden = report.clusters.length > 0;
}

function clusterCard(cluster) {
  return h("li", { class: "cluster", "data-cluster": cluster.id }, [
    h("h3", { text: cluster.size + " × " + cluster.examples[0] }),
    h("ul", {}, cluster.examples.slice(1).map((text) => h("li", { text }))),
    cluster.agent_replies.length ? h("p", { class: "muted", text: "Agents replied:" }) : null,
    h("ul", {}, cluster.agent_replies.map((text) => h("li", { text }))),
    draftEditor(cluster.suggested_faq, "Draft FAQ for these questions"),
  ]);
}

state.session = loadSession();
$("period-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
if (state.session && state.session.token) load();
else $("status").textContent = "Sign in to the console as an admin first.";
