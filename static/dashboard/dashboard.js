/* The dashboard's charts: Apache ECharts (static/vendor) draws them from the figures the page
   carries as JSON (<script type="application/json" id="dashboard-data">, Django's json_script).
   No inline script, no network: a Content-Security-Policy may forbid both. Clicking a point, a bar
   or a slice opens the cases behind it (the drill-down page). Every figure is also in a table on
   the page, so nothing is lost without JavaScript. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var labels = data.labels || {};
    var locale = String(data.lang || "en").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
    var charts = [];
    // No growing bars for people who asked their system for less motion.
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    function drillUrl(kpi, extra) {
      var params = new URLSearchParams((data.drill && data.drill.query) || {});
      params.set("kpi", kpi);
      Object.keys(extra || {}).forEach(function (key) {
        if (extra[key] !== null && extra[key] !== undefined) params.set(key, String(extra[key]));
      });
      return data.drill.url + "?" + params.toString();
    }

    function go(url) {
      if (url) window.location.assign(url);
    }

    function empty(values) {
      return !values || !values.length;
    }

    function noData(option, isEmpty) {
      if (isEmpty) {
        option.graphic = [{
          type: "text", left: "center", top: "middle",
          style: { text: labels.nodata || "—", fill: "#5b6475", fontSize: 14 }
        }];
      }
      return option;
    }

    function draw(id, option, onClick) {
      var el = document.getElementById(id);
      if (!el) return null;
      var chart = window.echarts.init(el, null, { renderer: "canvas", locale: locale });
      if (still) option.animation = false;
      chart.setOption(option);
      if (onClick) {
        chart.on("click", function (params) { go(onClick(params)); });
        chart.getZr().on("mousemove", function () { el.style.cursor = "pointer"; });
      }
      charts.push(chart);
      return chart;
    }

    // A click anywhere in a day chart's plot opens that day (lines are thin targets).
    function dayClicks(chart, days, kpiOf) {
      if (!chart) return;
      chart.getZr().on("click", function (event) {
        var point = [event.offsetX, event.offsetY];
        if (!chart.containPixel({ gridIndex: 0 }, point)) return;
        var index = Math.round(chart.convertFromPixel({ xAxisIndex: 0 }, point[0]));
        var y = chart.convertFromPixel({ yAxisIndex: 0 }, point[1]);
        var day = days[index];
        if (day) go(drillUrl(kpiOf(index, y), { start: day, end: day }));
      });
      chart.getZr().on("mousemove", function (event) {
        var inside = chart.containPixel({ gridIndex: 0 }, [event.offsetX, event.offsetY]);
        chart.getDom().style.cursor = inside ? "pointer" : "default";
      });
    }

    var percent = { formatter: "{value} %" };
    var grid = { left: 48, right: 16, top: 36, bottom: 32, containLabel: true };
    var tooltip = { trigger: "axis" };

    // Cases created and resolved per day.
    var trend = data.trend || { days: [] };
    if (document.getElementById("chart-trend")) {
      var trendChart = draw("chart-trend", noData({
        grid: grid, tooltip: tooltip,
        legend: { data: [labels.created, labels.resolved], top: 0 },
        xAxis: { type: "category", data: trend.days, boundaryGap: false },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: labels.created, type: "line", data: trend.created, smooth: false, symbolSize: 6 },
          { name: labels.resolved, type: "line", data: trend.resolved, smooth: false, symbolSize: 6 }
        ]
      }, empty(trend.days)));
      dayClicks(trendChart, trend.days, function (index, y) {
        // Nearer the resolved line than the created one: the cases resolved that day.
        var created = trend.created[index] || 0, resolved = trend.resolved[index] || 0;
        return Math.abs(y - resolved) < Math.abs(y - created) ? "resolved" : "created";
      });
    }

    // Mean first response and resolution time per day.
    if (document.getElementById("chart-times")) {
      var timesChart = draw("chart-times", noData({
        grid: grid, tooltip: tooltip,
        legend: { data: [labels.first_response, labels.resolution], top: 0 },
        xAxis: { type: "category", data: trend.days, boundaryGap: false },
        yAxis: { type: "value" },
        series: [
          { name: labels.first_response, type: "line", data: trend.first_response, connectNulls: true, symbolSize: 6 },
          { name: labels.resolution, type: "line", data: trend.resolution, connectNulls: true, symbolSize: 6 }
        ]
      }, empty(trend.days)));
      dayClicks(timesChart, trend.days, function (index, y) {
        var fr = trend.first_response[index], res = trend.resolution[index];
        if (fr === null || fr === undefined) return "resolved";
        if (res === null || res === undefined) return "first_response";
        return Math.abs(y - fr) <= Math.abs(y - res) ? "first_response" : "resolved";
      });
    }

    // Backlog: open cases by age bucket, stacked by status.
    var backlog = data.backlog || { buckets: [], series: [] };
    draw("chart-backlog", noData({
      grid: grid, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "category", data: backlog.bucket_labels },
      yAxis: { type: "value", minInterval: 1 },
      series: backlog.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "backlog", data: s.data, emphasis: { focus: "series" } };
      })
    }, empty(backlog.series)), function (p) {
      return drillUrl("backlog", { bucket: backlog.buckets[p.dataIndex] });
    });

    // Costs by kind.
    var cost = (data.cost || []).filter(function (c) { return c.value > 0; });
    draw("chart-cost", noData({
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d} %)" },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], showEmptyCircle: false,
        data: cost.map(function (c) { return { name: c.name, value: c.value }; })
      }]
    }, empty(cost)), function () { return drillUrl("cost"); });

    function barOption(names, values, axisName, horizontal, extraSeries) {
      var category = { type: "category", data: names, axisLabel: { interval: 0, width: 110, overflow: "truncate" } };
      var value = { type: "value", name: axisName, axisLabel: percent };
      if (horizontal) category.inverse = true;
      else category.axisLabel.rotate = names.length > 6 ? 30 : 0;
      return noData({
        grid: grid, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: horizontal ? value : category,
        yAxis: horizontal ? category : value,
        series: [{ name: axisName, type: "bar", data: values, barMaxWidth: 28 }].concat(extraSeries || [])
      }, empty(names));
    }

    var rp = data.returns_by_product || { names: [], rates: [], ids: [] };
    draw("chart-returns-product", barOption(rp.names, rp.rates, labels.return_rate, true), function (p) {
      return rp.ids[p.dataIndex] ? drillUrl("returns", { product: rp.ids[p.dataIndex] }) : "";
    });
    var rc = data.returns_by_category || { names: [], rates: [] };
    draw("chart-returns-category", barOption(rc.names, rc.rates, labels.return_rate, false));
    var rr = data.returns_by_reason || { names: [], units: [], keys: [] };
    var reasonOption = barOption(rr.names, rr.units, labels.units_returned, true);
    reasonOption.xAxis.axisLabel = {};
    reasonOption.xAxis.minInterval = 1;
    draw("chart-returns-reason", reasonOption, function (p) {
      return drillUrl("returns", { reason: rr.keys[p.dataIndex] });
    });
    var dp = data.defects_by_product || { names: [], rates: [], ids: [] };
    draw("chart-defects-product", barOption(dp.names, dp.rates, labels.defect_rate, false), function (p) {
      return dp.ids[p.dataIndex] ? drillUrl("returns", { product: dp.ids[p.dataIndex] }) : "";
    });
    var ds = data.defects_by_supplier || { names: [], rates: [] };
    draw("chart-defects-supplier", barOption(ds.names, ds.rates, labels.defect_rate, false));

    // The split: one KPI per row, the KPI picked in the select above the chart.
    var split = data.split;
    var splitEl = document.getElementById("chart-split");
    if (split && splitEl) {
      var picker = document.getElementById("split-kpi");
      var metricOf = function (key) {
        return split.metrics.filter(function (m) { return m.key === key; })[0] || split.metrics[0];
      };
      var names = split.rows.map(function (r) { return r.label; });
      var splitChart = null;
      var drawSplit = function () {
        var metric = metricOf(picker ? picker.value : "cases_created");
        var option = barOption(names, metric.values, metric.label, false);
        if (still) option.animation = false;
        option.yAxis.axisLabel = metric.percent ? percent : {};
        option.yAxis.name = "";
        option.series[0].name = metric.label;
        if (splitChart) splitChart.setOption(option, true);
        else {
          splitChart = draw("chart-split", option, function (p) {
            var current = metricOf(picker ? picker.value : "cases_created");
            return drillUrl(current.drill || "created", { value: split.rows[p.dataIndex].value });
          });
        }
      };
      drawSplit();
      if (picker) picker.addEventListener("change", drawSplit);
    }

    // One agent's scorecard: the five areas, each scored 1 to 5.
    var radar = data.radar;
    if (radar) {
      draw("chart-radar", {
        tooltip: {},
        radar: { indicator: radar.indicators, radius: "65%", splitNumber: 5 },
        series: [{
          type: "radar", name: radar.name, areaStyle: { opacity: 0.25 },
          data: [{ value: radar.values, name: radar.name }]
        }]
      });
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
