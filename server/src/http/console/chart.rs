//! Line charts drawn on the server as SVG: no script, nothing fetched.

use maud::{Markup, html};
use rust_decimal::{Decimal, prelude::ToPrimitive};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 28.0;

/// A line through `points` (label, value), left to right, with the lowest and highest value and
/// the first and last label on the axes. `caption` names the chart for screen readers.
pub fn line_chart(caption: &str, points: &[(String, Decimal)]) -> Markup {
    if points.is_empty() {
        return html! { p.muted { "Nothing to chart yet." } };
    }
    let values: Vec<f64> = points
        .iter()
        .map(|(_, value)| value.to_f64().unwrap_or(0.0))
        .collect();
    let low = values.iter().copied().fold(0.0_f64, f64::min);
    let high = values.iter().copied().fold(0.0_f64, f64::max);
    let range = if high > low { high - low } else { 1.0 };
    let step = if points.len() > 1 {
        (WIDTH - LEFT - RIGHT) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| LEFT + step * i as f64;
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (high - v) / range;
    let line: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    let first = &points[0].0;
    let last = &points[points.len() - 1].0;
    html! {
        svg.chart role="img" aria-label=(caption) width=(WIDTH) height=(HEIGHT)
            viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) xmlns="http://www.w3.org/2000/svg" {
            line x1=(LEFT) y1=(y(0.0)) x2=(WIDTH - RIGHT) y2=(y(0.0)) {}
            text x=(LEFT - 6.0) y=(y(high) + 4.0) text-anchor="end" { (trimmed(high)) }
            text x=(LEFT - 6.0) y=(y(low) + 4.0) text-anchor="end" { (trimmed(low)) }
            text x=(LEFT) y=(HEIGHT - 8.0) { (first) }
            text x=(WIDTH - RIGHT) y=(HEIGHT - 8.0) text-anchor="end" { (last) }
            polyline points=(line.join(" ")) {}
            @for (i, v) in values.iter().enumerate() {
                circle cx=(format!("{:.1}", x(i))) cy=(format!("{:.1}", y(*v))) r="2.5" fill="#1f5fbf" {
                    title { (points[i].0) ": " (points[i].1) }
                }
            }
        }
    }
}

fn trimmed(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
