//! `moa replay`: recorded sessions ranked by the feed's behaviour model (HR@K, MRR@K).

mod baselines;
mod model;
mod tune;

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::output::CliResult;

/// Rank recorded sessions with the feed's behaviour model, for QA and offline evaluation.
///
/// Learns from population sessions, then writes for each test case the top-K products the
/// ranker would show next (JSON Lines). With targets in the cases, prints HR@K and MRR@K.
/// Formats: docs/RANKING.md.
#[derive(Args)]
pub struct ReplayArgs {
    /// Population sessions to learn from (JSON Lines, or TSV "index<TAB>items").
    #[arg(long)]
    pub sessions: PathBuf,
    /// Test cases: session prefixes (JSON Lines with optional "next", or TSV "prefix<TAB>next").
    #[arg(long)]
    pub cases: PathBuf,
    /// How many products to rank per case.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Where to write the rankings (JSON Lines); not written when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the metrics as JSON.
    #[arg(long)]
    pub json: bool,
    /// Set the model's parameters, e.g. "k=100,sample=1000,position=2,repeat=1" (docs/RANKING.md).
    /// Without it they are tuned on the sessions' latest tenth (never on the cases).
    #[arg(long, default_value = "")]
    pub knn: String,
    /// Also rank the cases with POP, S-POP, SR and plain session kNN, learned from the same
    /// sessions, and print them side by side with the model.
    #[arg(long)]
    pub baselines: bool,
}

pub fn run(a: ReplayArgs) -> CliResult {
    let params = moa_core::rank::session_knn::KnnParams::default().with_overrides(&a.knn)?;
    let tuning = a.knn.trim().is_empty();
    replay(&a.sessions, &a.cases, a.top, a.out.as_deref(), a.json, a.baselines, (params, tuning))
}

fn replay(
    sessions: &std::path::Path,
    cases: &std::path::Path,
    top: usize,
    out: Option<&std::path::Path>,
    json: bool,
    with_baselines: bool,
    (params, tuning): (moa_core::rank::session_knn::KnnParams, bool),
) -> CliResult {
    let open = |path: &std::path::Path| {
        std::fs::File::open(path).map(std::io::BufReader::new).map_err(|e| format!("{}: {e}", path.display()))
    };
    let started = Instant::now();
    let (population, skipped, problem) = model::read_records(open(sessions)?, false).map_err(|e| e.to_string())?;
    if let Some(problem) = problem {
        eprintln!("moa: skipped {skipped} unreadable sessions (first: {problem})");
    }
    let (cases, skipped, problem) = model::read_records(open(cases)?, true).map_err(|e| e.to_string())?;
    if let Some(problem) = problem {
        eprintln!("moa: skipped {skipped} unreadable cases (first: {problem})");
    }
    let (params, tuned) = match tuning.then(|| tune::tune(&population, params, top)).flatten() {
        Some((params, tuned)) => (params, Some(tuned)),
        None => (params, None),
    };
    let model = model::BehaviourModel::learn(&population, params);
    let learned = started.elapsed();
    let started = Instant::now();
    let sink: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::sink()),
    };
    let metrics = model::run(&model, &model.vocabulary, &cases, top, sink).map_err(|e| e.to_string())?;
    let ranked = started.elapsed();
    let baselines = if with_baselines { measure_baselines(&model, &cases, top)? } else { Vec::new() };
    let rss = crate::bench::peak_rss_mb();
    if json {
        let figures = serde_json::json!({
            "sessions": population.len(), "products": model.vocabulary.len(), "cases": cases.len(),
            "judged": metrics.cases, "top": top, "hit_rate": metrics.hit_rate, "mrr": metrics.mrr,
            "learn_seconds": learned.as_secs_f64(), "rank_seconds": ranked.as_secs_f64(), "peak_rss_mb": rss,
            "params": params.spec(), "tuned": tuned,
            "baselines": baselines.iter().map(|(name, m)| serde_json::json!({
                "name": name, "hit_rate": m.hit_rate, "mrr": m.mrr,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&figures).expect("figures serialise"));
    } else {
        println!(
            "learned from {} sessions over {} products ({:.2} s); ranked {} cases ({:.2} s); peak RSS {:.0} MB",
            population.len(),
            model.vocabulary.len(),
            learned.as_secs_f64(),
            cases.len(),
            ranked.as_secs_f64(),
            rss
        );
        match &tuned {
            Some(t) => println!(
                "tuned on the latest {} sessions ({} cases, {} tries, {:.1} s): {} (HR@{top} {:.4}, MRR@{top} {:.4} there)",
                t.holdout_sessions, t.holdout_cases, t.tries, t.seconds, t.params, t.holdout_hit_rate, t.holdout_mrr
            ),
            None => println!("parameters: {}", params.spec()),
        }
        if metrics.cases > 0 {
            println!("HR@{top} {:.4}   MRR@{top} {:.4}   over {} cases", metrics.hit_rate, metrics.mrr, metrics.cases);
        }
        if !baselines.is_empty() {
            println!("{:<16} {:>8} {:>8}", "method", format!("HR@{top}"), format!("MRR@{top}"));
            println!("{:<16} {:>8.4} {:>8.4}", "moa", metrics.hit_rate, metrics.mrr);
            for (name, m) in &baselines {
                println!("{name:<16} {:>8.4} {:>8.4}", m.hit_rate, m.mrr);
            }
        }
    }
    Ok(())
}

/// POP, S-POP, SR and plain session kNN on the same cases, learned from the same sessions.
fn measure_baselines(
    model: &model::BehaviourModel,
    cases: &[model::Case],
    top: usize,
) -> Result<Vec<(&'static str, model::Metrics)>, String> {
    let (vocabulary, pop) = (&model.vocabulary, &model.pop);
    let session_pop = baselines::SessionPop::new(vocabulary, pop);
    let rules = baselines::SequentialRules::learn(&model.encoded, vocabulary, pop);
    let plain_knn = baselines::PlainKnn::new(model);
    let rankers: [(&'static str, &dyn model::Ranker); 4] =
        [("POP", pop), ("S-POP", &session_pop), ("SR", &rules), ("session kNN", &plain_knn)];
    rankers
        .iter()
        .map(|(name, ranker)| {
            model::run(*ranker, vocabulary, cases, top, std::io::sink()).map(|m| (*name, m)).map_err(|e| e.to_string())
        })
        .collect()
}
