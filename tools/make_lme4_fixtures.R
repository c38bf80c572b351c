#!/usr/bin/env Rscript
# Writes Tests/StudyStatsTests/Fixtures/lme4/<name>.lme4.json: lme4's glmer fit of every task in the
# exported trial CSV <name>.csv next to it (the format `studyserver export --format csv` writes; the CSVs
# are this project's synthetic crowds, see Tests/StudyStatsTests/MixedModelFixtureInputs.swift).
#
# Model, per task, on the rows that count (main trials no exclusion rule removed):
#   glmer(fooled ~ 0 + model + (1 | participant) + (1 | image), family = binomial)   # Laplace, nAGQ = 1
# Standard errors: vcov() with its default for glmer, the finite-difference Hessian over (theta, beta).
#
# Run from the repository root (Debian: apt-get install r-cran-lme4 r-cran-jsonlite):
#   Rscript tools/make_lme4_fixtures.R
# The Swift tests never need R: they read the JSON written here.

suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

dir <- "Tests/StudyStatsTests/Fixtures/lme4"
csvs <- list.files(dir, pattern = "\\.csv$", full.names = TRUE)
if (length(csvs) == 0) stop("no CSV exports in ", dir, " (run from the repository root)")

fit_task <- function(rows, task) {
  rows$model <- factor(rows$model, levels = unique(rows$model))
  messages <- character(0)
  collect <- function(expr) {
    withCallingHandlers(expr,
      warning = function(w) {
        messages <<- c(messages, conditionMessage(w))
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        messages <<- c(messages, trimws(conditionMessage(m)))
        invokeRestart("muffleMessage")
      }
    )
  }
  fit <- collect(glmer(fooled ~ 0 + model + (1 | participant) + (1 | image), data = rows, family = binomial))
  covariance <- collect(vcov(fit))
  beta <- fixef(fit)
  se <- sqrt(diag(as.matrix(covariance)))
  # For comparison only: the covariance from RX, taking theta as known (it warns that it differs).
  se_rx <- sqrt(diag(as.matrix(suppressWarnings(vcov(fit, use.hessian = FALSE)))))
  models <- sub("^model", "", names(beta))
  fixed <- list()
  for (i in seq_along(models)) {
    m <- models[i]
    fixed[[m]] <- list(
      estimate_logit = unname(beta[i]), std_error = unname(se[i]), std_error_rx = unname(se_rx[i]),
      trials = sum(rows$model == m), fooled = sum(rows$fooled[rows$model == m])
    )
  }
  vc <- as.data.frame(VarCorr(fit))
  list(
    task = task,
    trials = nrow(rows),
    participants = length(unique(rows$participant)),
    images = length(unique(rows$image)),
    fixed_effects = fixed,
    participant_sd = vc$sdcor[vc$grp == "participant"],
    image_sd = vc$sdcor[vc$grp == "image"],
    theta = unname(getME(fit, "theta")),
    log_likelihood = as.numeric(logLik(fit)),
    singular = isSingular(fit),
    optimizer_code = fit@optinfo$conv$opt,
    lme4_messages = as.list(unlist(fit@optinfo$conv$lme4$messages)),
    messages = as.list(messages)
  )
}

for (csv in csvs) {
  d <- read.csv(csv, colClasses = "character")
  d <- d[d$counts == "true", ]
  d$fooled <- as.integer(d$fooled == "true")
  fits <- lapply(unique(d$task), function(task) fit_task(d[d$task == task, ], task))
  out <- sub("\\.csv$", ".lme4.json", csv)
  write_json(
    list(
      source = basename(csv),
      formula = "fooled ~ 0 + model + (1 | participant) + (1 | image)",
      family = "binomial(logit), Laplace (nAGQ = 1)",
      lme4_version = as.character(packageVersion("lme4")),
      r_version = R.version.string,
      fits = fits
    ),
    out, auto_unbox = TRUE, digits = NA, pretty = TRUE
  )
  cat("wrote", out, "\n")
}
