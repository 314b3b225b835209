#!/usr/bin/env bash
# weather_features: seattle-weather -> seattle-weather-features (layer featurize).
#
# An R-style step: the work happens outside Python and reaches datasets and lineage only through
# the mdc-step command line. weather_features.R is the step for users with R; this script makes
# the same mdc-step calls, with awk doing what R does there, and is what deploy/steps.yaml runs
# (R is not installed everywhere).
#
#   fetch    the input as CSV to a temporary directory (exit 99: not ready -> skipped)
#   compute  per day: the temperature range and whether it was a wet day
#   publish  the CSV as a dataset: one run (START + COMPLETE) with its input and column lineage;
#            date, weather and precipitation are passed through and found by mdc-step itself.
set -euo pipefail

# mdc-step of the MDC workspace (Airflow passes MDC_PYTHON), else whatever is on PATH.
if [[ -n "${MDC_PYTHON:-}" ]]; then
    mdc_step=("$MDC_PYTHON" -m mdc_steps)
else
    mdc_step=(mdc-step)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/weather_features.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# fetch prints the version it wrote; publish checks the input is still at it, so the recorded
# lineage names exactly what was computed from.
version="$("${mdc_step[@]}" fetch seattle-weather "$work/weather.csv")"

# Columns are found by their header name. Plain CSV: the weather file has no quoted commas.
awk -F, -v OFS=, '
NR == 1 {
    for (i = 1; i <= NF; i++) column[$i] = i
    split("date weather precipitation temp_max temp_min", needed, " ")
    for (n in needed) if (!(needed[n] in column)) {
        print "weather_features: input has no column " needed[n] > "/dev/stderr"; exit 1
    }
    print "date", "weather", "precipitation", "temp_range_c", "wet_day"
    next
}
{
    rain = $column["precipitation"]; high = $column["temp_max"]; low = $column["temp_min"]
    range = (high == "" || low == "") ? "" : sprintf("%.1f", high - low)
    wet = (rain == "") ? "" : (rain + 0 > 0 ? "true" : "false")
    print $column["date"], $column["weather"], rain, range, wet
}' "$work/weather.csv" > "$work/features.csv"

"${mdc_step[@]}" publish seattle-weather-features "$work/features.csv" \
    --job weather_features \
    --input "seattle-weather@$version" \
    --map temp_range_c=seattle-weather.temp_max,seattle-weather.temp_min \
    --map wet_day=seattle-weather.precipitation
