//! `moa stats`: a mall's statistics per day, read with the mall's own key.

use clap::Args;

use crate::output::print_json;
use crate::output::CliResult;

/// A mall's statistics per day (impressions, views, dwell, 찜, click-outs, quick returns,
/// rescue sheets, purchases), read with the mall's own key.
#[derive(Args)]
pub struct StatsArgs {
    /// The server's base URL.
    #[arg(long)]
    pub server: String,
    /// The mall's id.
    #[arg(long)]
    pub mall: String,
    /// The mall's key (the demo world's is "demo-key-{mall}").
    #[arg(long)]
    pub key: String,
    /// Print the statistics as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(a: StatsArgs) -> CliResult {
    mall_stats(&a.server, &a.mall, &a.key, a.json).await
}

async fn mall_stats(server: &str, mall: &str, key: &str, json: bool) -> CliResult {
    let url = format!("{}/v1/malls/{mall}/stats", server.trim_end_matches('/'));
    let response =
        reqwest::Client::new().get(&url).bearer_auth(key).send().await.map_err(|e| format!("{server}: {e}"))?;
    match response.status().as_u16() {
        200 => {}
        401 => return Err("the key was not accepted".into()),
        403 => return Err(format!("this key is not {mall}'s")),
        status => return Err(format!("the server answered {status}")),
    }
    let stats: moa_core::wire::MallStats = response.json().await.map_err(|e| e.to_string())?;
    if json {
        print_json(&stats);
        return Ok(());
    }
    println!(
        "{:<10} {:>7} {:>6} {:>8} {:>4} {:>6} {:>6} {:>6} {:>6} {:>5}",
        "day", "shown", "views", "dwell s", "찜", "out", "quick", "rescue", "tapped", "buys"
    );
    for d in &stats.days {
        println!(
            "{:<10} {:>7} {:>6} {:>8} {:>4} {:>6} {:>6} {:>6} {:>6} {:>5}",
            d.day,
            d.impressions,
            d.product_views,
            d.dwell_ms / 1000,
            d.wishlist_adds,
            d.click_outs,
            d.quick_returns,
            d.rescue_shown,
            d.rescue_tapped,
            d.purchases
        );
        for n in &d.nudges {
            println!(
                "{:>10} nudge {}: {} sent, {} opened, {} clicked through",
                "", n.trigger, n.sent, n.opened, n.clicked
            );
        }
        if d.reported_purchases > 0 {
            println!(
                "{:>10} {} reported, {}",
                "",
                d.reported_purchases,
                moa_core::model::Money::krw(d.reported_amount).display()
            );
        }
    }
    Ok(())
}
