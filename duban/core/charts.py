"""Charts drawn with Apache ECharts, which the app serves itself (the npm
package, copied into static/vendor by `make npm`; no CDN). A page builds an
ECharts option here -- plain data, so that it travels in a json_script
element, since the content security policy forbids inline scripts -- and
includes "core/_chart.html" once per chart plus "core/_charts_js.html"
once per page; duban/static/duban/charts.js draws every chart it finds.

Every chart also needs its numbers in a table on the same page: a chart is
for the eye, the table for reading out and for screen readers."""

PALETTE = ["#1f5fa8", "#c0392b", "#7f8c8d", "#d68910", "#27ae60", "#8e44ad"]


def _base(title: str) -> dict:
    return {
        "color": PALETTE,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "aria": {"enabled": True},
        # The tooltip in the chart's own renderer: the HTML tooltip writes
        # style attributes, which the content security policy refuses.
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"bottom": 0},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 56, "containLabel": True},
        "animation": False,
    }


def series(name: str, values, kind: str = "bar", **extra) -> dict:
    """One series: `kind` "bar" or "line"; `values` numbers (None: a gap)."""
    return {"name": name, "type": kind, "data": list(values), **extra}


def category_chart(title: str, categories, series_list, *, horizontal=False, y_name="") -> dict:
    """Bars and/or lines over categories (units, months). `horizontal`:
    categories down the side, for many long unit names."""
    option = _base(title)
    cat_axis = {"type": "category", "data": list(categories), "axisLabel": {"interval": 0}}
    val_axis = {"type": "value", "name": y_name, "minInterval": 1}
    if horizontal:
        cat_axis["inverse"] = True
        option["xAxis"], option["yAxis"] = val_axis, cat_axis
    else:
        cat_axis["axisLabel"]["rotate"] = 30 if len(categories) > 8 else 0
        option["xAxis"], option["yAxis"] = cat_axis, val_axis
    option["series"] = list(series_list)
    return option
