#!/usr/bin/env Rscript
# weather_features: seattle-weather -> seattle-weather-features (layer featurize), in R.
#
# The step for users with R: datasets and lineage only through the mdc-step command line.
# weather_features.sh makes the same mdc-step calls (awk computing) and is what
# deploy/steps.yaml runs, since R is not installed everywhere. To run this one instead:
#   command: 'Rscript deploy/steps/weather_features.R'
#
#   fetch    the input as CSV (exit 99: not ready -> the step is skipped)
#   compute  per day: the temperature range and whether it was a wet day
#   publish  the CSV as a dataset: one run (START + COMPLETE) with its input and column lineage;
#            date, weather and precipitation are passed through and found by mdc-step itself.

mdc_step <- function(...) {
  python <- Sys.getenv("MDC_PYTHON")
  command <- if (nzchar(python)) python else "mdc-step"
  args <- if (nzchar(python)) c("-m", "mdc_steps", ...) else c(...)
  printed <- suppressWarnings(system2(command, shQuote(args), stdout = TRUE))
  status <- attr(printed, "status")
  if (!is.null(status) && status != 0) quit(save = "no", status = status)  # 99: skipped
  printed
}

# Inside R's session temporary directory, which R removes when it exits.
work <- tempfile("weather_features-")
dir.create(work)
input <- file.path(work, "weather.csv")
output <- file.path(work, "features.csv")

# fetch prints the version it wrote; publish checks the input is still at it, so the recorded
# lineage names exactly what was computed from.
version <- mdc_step("fetch", "seattle-weather", input)

weather <- read.csv(input, stringsAsFactors = FALSE)
features <- data.frame(
  date = weather$date,
  weather = weather$weather,
  precipitation = weather$precipitation,
  temp_range_c = round(weather$temp_max - weather$temp_min, 1),
  wet_day = weather$precipitation > 0
)
write.csv(features, output, row.names = FALSE, na = "")

mdc_step(
  "publish", "seattle-weather-features", output,
  "--job", "weather_features",
  "--input", paste0("seattle-weather@", version),
  "--map", "temp_range_c=seattle-weather.temp_max,seattle-weather.temp_min",
  "--map", "wet_day=seattle-weather.precipitation"
)
