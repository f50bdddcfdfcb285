//! A deterministic demo world: Korean fashion soho malls, each with its own concept and
//! shoppers, and their products. The same seed always gives the same world (for a given `now`),
//! so demos, tests and benchmarks can rely on it.

use std::collections::HashMap;

pub mod population;

use std::sync::Arc;

use crate::db::{CatalogDb, CatalogError};
use crate::images;
use crate::same_item::SameItemGroups;
use moa_protocol::model::{AgeBand, Category, Gender, Mall, MallContact, Money, Platform, Product, Style, Variant};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use AgeBand::*;
use Style::*;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSpec {
    pub seed: u64,
    pub products: usize,
    /// Unix seconds "today": products are dated over the 90 days before it.
    pub now: i64,
}

impl DemoSpec {
    pub const DEFAULT_PRODUCTS: usize = 10_000;
    pub const DEFAULT_SEED: u64 = 20_261_121;
}

pub struct DemoWorld {
    pub malls: Vec<Mall>,
    pub products: Vec<Product>,
    /// How popular each mall is (same order as `malls`), used to draw products and popularity.
    mall_weights: Vec<f64>,
    next_number: u64,
}

struct MallSeed {
    id: &'static str,
    name: &'static str,
    styles: &'static [Style],
    gender: Gender,
    ages: &'static [AgeBand],
    platform: Platform,
}

const MALLS: &[MallSeed] = &[
    MallSeed {
        id: "roseribbon",
        name: "로즈리본",
        styles: &[Lovely, Feminine],
        gender: Gender::Women,
        ages: &[Early20s, Mid20s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "cherryblossom",
        name: "체리블라썸",
        styles: &[Lovely],
        gender: Gender::Women,
        ages: &[Teens, Early20s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "bonbonsugar",
        name: "봉봉슈가",
        styles: &[Lovely, Casual],
        gender: Gender::Women,
        ages: &[Teens, Early20s],
        platform: Platform::Smartstore,
    },
    MallSeed {
        id: "dailymood",
        name: "데일리무드",
        styles: &[SimpleBasic, Casual],
        gender: Gender::Women,
        ages: &[Mid20s, Late20s, Early30s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "plainday",
        name: "플레인데이",
        styles: &[SimpleBasic, Minimal],
        gender: Gender::Unisex,
        ages: &[Mid20s, Late20s],
        platform: Platform::Shopify,
    },
    MallSeed {
        id: "basicnote",
        name: "베이직노트",
        styles: &[SimpleBasic],
        gender: Gender::Women,
        ages: &[Late20s, Early30s, Mid30s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "officecode",
        name: "오피스코드",
        styles: &[OfficeLook, ModernChic],
        gender: Gender::Women,
        ages: &[Late20s, Early30s, Mid30s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "mondaynine",
        name: "먼데이나인",
        styles: &[OfficeLook, SimpleBasic],
        gender: Gender::Women,
        ages: &[Early30s, Mid30s, Late30s],
        platform: Platform::Smartstore,
    },
    MallSeed {
        id: "elegantline",
        name: "엘레강스라인",
        styles: &[OfficeLook, Feminine],
        gender: Gender::Women,
        ages: &[Mid30s, Late30s, Forties],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "weekendpark",
        name: "위켄드파크",
        styles: &[Casual, Street],
        gender: Gender::Unisex,
        ages: &[Early20s, Mid20s],
        platform: Platform::Shopify,
    },
    MallSeed {
        id: "cottonclub",
        name: "코튼클럽",
        styles: &[Casual, SimpleBasic],
        gender: Gender::Women,
        ages: &[Early20s, Mid20s, Late20s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "streetlab",
        name: "스트릿랩",
        styles: &[Street],
        gender: Gender::Unisex,
        ages: &[Teens, Early20s],
        platform: Platform::Shopify,
    },
    MallSeed {
        id: "blockparty",
        name: "블록파티",
        styles: &[Street, Casual],
        gender: Gender::Men,
        ages: &[Teens, Early20s, Mid20s],
        platform: Platform::Smartstore,
    },
    MallSeed {
        id: "noisecrew",
        name: "노이즈크루",
        styles: &[Street, Vintage],
        gender: Gender::Unisex,
        ages: &[Teens, Early20s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "whitespace",
        name: "화이트스페이스",
        styles: &[Minimal, ModernChic],
        gender: Gender::Women,
        ages: &[Late20s, Early30s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "lessmore",
        name: "레스모어",
        styles: &[Minimal, SimpleBasic],
        gender: Gender::Unisex,
        ages: &[Mid20s, Late20s, Early30s],
        platform: Platform::Shopify,
    },
    MallSeed {
        id: "oldvinyl",
        name: "올드바이닐",
        styles: &[Vintage, Casual],
        gender: Gender::Unisex,
        ages: &[Early20s, Mid20s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "secondfloor",
        name: "세컨드플로어",
        styles: &[Vintage, Feminine],
        gender: Gender::Women,
        ages: &[Mid20s, Late20s],
        platform: Platform::Smartstore,
    },
    MallSeed {
        id: "lacemuse",
        name: "레이스뮤즈",
        styles: &[Feminine, Lovely],
        gender: Gender::Women,
        ages: &[Mid20s, Late20s, Early30s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "softblouse",
        name: "소프트블라우스",
        styles: &[Feminine, OfficeLook],
        gender: Gender::Women,
        ages: &[Early30s, Mid30s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "noirmode",
        name: "누아르모드",
        styles: &[ModernChic, Minimal],
        gender: Gender::Women,
        ages: &[Late20s, Early30s, Mid30s],
        platform: Platform::Cafe24,
    },
    MallSeed {
        id: "urbancity",
        name: "어반시티",
        styles: &[ModernChic, Street],
        gender: Gender::Men,
        ages: &[Mid20s, Late20s, Early30s],
        platform: Platform::Shopify,
    },
    MallSeed {
        id: "mamaclass",
        name: "마마클래스",
        styles: &[SimpleBasic, Feminine],
        gender: Gender::Women,
        ages: &[Late30s, Forties],
        platform: Platform::Smartstore,
    },
    MallSeed {
        id: "campusbag",
        name: "캠퍼스백",
        styles: &[Casual, Lovely],
        gender: Gender::Women,
        ages: &[Teens, Early20s],
        platform: Platform::Cafe24,
    },
];

const CATEGORIES: [Category; 8] = [
    Category::Outer,
    Category::Top,
    Category::Dress,
    Category::Pants,
    Category::Skirt,
    Category::Bag,
    Category::Shoes,
    Category::Accessory,
];

/// How much of each category (in `CATEGORIES` order) a mall of this style sells.
fn category_weights(style: Style, gender: Gender) -> [f64; 8] {
    let mut w = match style {
        Lovely => [1.5, 3.0, 3.0, 1.0, 3.0, 1.0, 1.0, 1.5],
        SimpleBasic => [2.0, 4.0, 1.0, 3.0, 1.0, 1.0, 1.0, 0.5],
        OfficeLook => [2.5, 3.0, 1.5, 3.0, 2.0, 1.5, 1.5, 0.5],
        Casual => [2.0, 4.0, 0.5, 3.0, 1.0, 1.0, 1.5, 0.5],
        Street => [2.5, 4.0, 0.1, 3.0, 0.3, 1.0, 1.5, 1.0],
        Minimal => [2.5, 3.0, 1.0, 2.5, 1.0, 1.5, 1.0, 0.5],
        Vintage => [2.0, 3.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0],
        Feminine => [1.5, 3.0, 3.0, 1.0, 3.0, 1.0, 1.0, 1.0],
        ModernChic => [3.0, 3.0, 1.5, 2.5, 1.0, 1.5, 1.5, 0.5],
    };
    if gender == Gender::Men {
        w[2] = 0.0;
        w[4] = 0.0;
    }
    w
}

fn nouns(category: Category) -> &'static [&'static str] {
    match category {
        Category::Outer => &["자켓", "트렌치코트", "가디건", "블레이저", "숏패딩", "울코트", "점퍼", "베스트"],
        Category::Top => &["블라우스", "셔츠", "니트", "맨투맨", "후드티", "반팔티", "긴팔티", "나시"],
        Category::Dress => &["원피스", "셔츠원피스", "니트원피스", "뷔스티에 원피스", "롱원피스"],
        Category::Pants => &["슬랙스", "와이드팬츠", "데님팬츠", "조거팬츠", "부츠컷 팬츠", "카고팬츠"],
        Category::Skirt => &["플리츠 스커트", "미니스커트", "롱스커트", "H라인 스커트", "데님 스커트"],
        Category::Bag => &["숄더백", "토트백", "크로스백", "에코백", "미니백"],
        Category::Shoes => &["로퍼", "스니커즈", "메리제인", "앵클부츠", "뮬", "슬링백"],
        Category::Accessory => &["귀걸이", "목걸이", "헤어핀", "머플러", "벨트", "볼캡"],
    }
}

fn modifiers(style: Style) -> &'static [&'static str] {
    match style {
        Lovely => &["리본", "퍼프", "프릴", "레이스", "하트", "러블리"],
        SimpleBasic => &["베이직", "데일리", "무지", "기본", "스탠다드"],
        OfficeLook => &["세미정장", "슬림핏", "테일러드", "오피스", "포멀"],
        Casual => &["루즈핏", "오버핏", "코튼", "캐주얼", "라운드"],
        Street => &["빅로고", "오버사이즈", "카고", "그래픽", "스트릿"],
        Minimal => &["미니멀", "노카라", "심플", "클린", "모노"],
        Vintage => &["빈티지", "워싱", "체크", "레트로", "코듀로이"],
        Feminine => &["셔링", "플레어", "새틴", "쉬폰", "페미닌"],
        ModernChic => &["레더", "모던", "시크", "블랙라벨", "구조적인"],
    }
}

const MATERIALS: &[&str] = &["린넨", "울", "캐시미어", "트위드", "데님", "코튼", "니트", "스웨이드"];

fn palette(style: Style) -> &'static [&'static str] {
    match style {
        Lovely => &["핑크", "라벤더", "아이보리", "스카이블루", "화이트", "민트"],
        SimpleBasic => &["화이트", "블랙", "베이지", "그레이", "네이비", "아이보리"],
        OfficeLook => &["블랙", "네이비", "베이지", "화이트", "그레이", "브라운"],
        Casual => &["그레이", "네이비", "베이지", "카키", "화이트", "스카이블루"],
        Street => &["블랙", "그레이", "카키", "화이트", "레드", "네이비"],
        Minimal => &["블랙", "화이트", "그레이", "아이보리", "베이지"],
        Vintage => &["브라운", "카키", "베이지", "레드", "네이비", "옐로우"],
        Feminine => &["아이보리", "핑크", "베이지", "라벤더", "화이트", "민트"],
        ModernChic => &["블랙", "그레이", "화이트", "네이비", "브라운"],
    }
}

/// Typical price range (won) of a category at a soho mall.
fn price_range(category: Category) -> (i64, i64) {
    match category {
        Category::Outer => (59_000, 189_000),
        Category::Top => (19_000, 59_000),
        Category::Dress => (35_000, 89_000),
        Category::Pants => (29_000, 69_000),
        Category::Skirt => (25_000, 59_000),
        Category::Bag => (29_000, 129_000),
        Category::Shoes => (39_000, 119_000),
        Category::Accessory => (9_000, 35_000),
    }
}

fn sizes(category: Category, gender: Gender, rng: &mut ChaCha8Rng) -> Vec<&'static str> {
    match category {
        Category::Bag | Category::Accessory => vec!["FREE"],
        Category::Shoes if gender == Gender::Men => vec!["250", "255", "260", "265", "270", "275", "280"],
        Category::Shoes => vec!["225", "230", "235", "240", "245", "250"],
        _ if gender == Gender::Men => vec!["M", "L", "XL"],
        _ if rng.random_bool(0.45) => vec!["FREE"],
        _ => vec!["S", "M", "L"],
    }
}

const DAY: i64 = 86_400;

impl DemoWorld {
    pub fn generate(spec: DemoSpec) -> DemoWorld {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let malls: Vec<Mall> = MALLS.iter().map(mall_from_seed).collect();
        // A few big malls and a long tail, as in the market.
        let mall_weights: Vec<f64> =
            (0..malls.len()).map(|i| (1.0 / (1.0 + i as f64 * 0.12)) * rng.random_range(0.6..1.4)).collect();
        let mut world = DemoWorld { malls, products: Vec::new(), mall_weights, next_number: 1000 };
        let products = world.more_products(&mut rng, spec.products, spec.now);
        world.products = products;
        world
    }

    /// New arrivals: `count` more products, numbered after every product made so far, dated
    /// within the 90 days before `now`. Deterministic for a given seed.
    pub fn new_arrivals(&mut self, seed: u64, count: usize, now: i64) -> Vec<Product> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        self.more_products(&mut rng, count, now)
    }

    fn more_products(&mut self, rng: &mut ChaCha8Rng, count: usize, now: i64) -> Vec<Product> {
        let total: f64 = self.mall_weights.iter().sum();
        let mut products = (0..count)
            .map(|_| {
                let mut pick = rng.random_range(0.0..total);
                let mut index = 0;
                for (i, w) in self.mall_weights.iter().enumerate() {
                    index = i;
                    if pick < *w {
                        break;
                    }
                    pick -= w;
                }
                let number = self.next_number;
                self.next_number += 1;
                make_product(&MALLS[index], self.mall_weights[index], number, rng, now)
            })
            .collect::<Vec<_>>();
        resell_shared_designs(&mut products);
        hash_photos(&mut products);
        SameItemGroups::of(&products).label(&mut products);
        products
    }
}

/// Share of products that are another mall's design resold (the same Dongdaemun item).
const RESOLD_PERCENT: u64 = 8;
/// How far back in the batch a reseller looks for a design to resell.
const RESALE_WINDOW: usize = 600;

/// Make some products resales of an earlier product of another mall in the same batch: the
/// same photo (as the reseller shoots it) and colours, their own title, price and sizes.
/// Derived from the product number, not the random stream, so the rest of the world stays as
/// it was.
fn resell_shared_designs(products: &mut [Product]) {
    for i in 0..products.len() {
        let number: u64 = products[i].id.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let roll = number.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        if roll % 100 >= RESOLD_PERCENT {
            continue;
        }
        let (before, rest) = products.split_at_mut(i);
        let p = &mut rest[0];
        let Some(source) = before
            .iter()
            .rev()
            .take(RESALE_WINDOW)
            .skip((roll >> 8) as usize % 50)
            .find(|s| s.category == p.category && s.gender == p.gender && s.mall_id != p.mall_id)
        else {
            continue;
        };
        let design = images::parse_photo_file(source.image_url.rsplit('/').next().unwrap_or_default())
            .map(|(design, _, _)| design.to_string())
            .unwrap_or_else(|| source.id.clone());
        let colours: Vec<String> =
            source.variants.iter().filter_map(|v| v.color.clone()).fold(Vec::new(), |mut acc, c| {
                if !acc.contains(&c) {
                    acc.push(c);
                }
                acc
            });
        for (k, v) in p.variants.iter_mut().enumerate() {
            v.color = Some(colours[k % colours.len().max(1)].clone()).filter(|_| !colours.is_empty());
        }
        p.image_url = images::photo_path(&design, Some(&p.id), 0);
        p.more_image_urls =
            (1..=images::gallery_views(&design)).map(|v| images::photo_path(&design, Some(&p.id), v)).collect();
        // Resellers price near each other: within -15%..+20% of the source, like 39,800원.
        let factor = 0.85 + ((roll >> 16) % 36) as f64 / 100.0;
        let price = ((source.price.amount as f64 * factor / 1000.0).round() as i64 * 1000 - 200).max(1000);
        let original = p.original_price.as_ref().map(|o| o.amount.max(price));
        p.price.amount = price;
        if let Some(o) = &mut p.original_price {
            o.amount = original.unwrap_or(price);
        }
    }
}

/// The perceptual hash of every product's photo, as ingest computes it, on every core.
fn hash_photos(products: &mut [Product]) {
    let designs: HashMap<String, Product> =
        products.iter().filter(|p| !p.image_url.contains('~')).map(|p| (p.id.clone(), p.clone())).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = products.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for part in products.chunks_mut(chunk) {
            let designs = &designs;
            scope.spawn(move || {
                for p in part {
                    let file = p.image_url.rsplit('/').next().unwrap_or_default().to_string();
                    let Some((design, copy, _)) = images::parse_photo_file(&file) else { continue };
                    let design = if design == p.id { Some(&*p) } else { designs.get(design) };
                    if let Some(design) = design {
                        p.image_hash = Some(images::photo_hash(design, copy));
                    }
                }
            });
        }
    });
}

fn mall_from_seed(seed: &MallSeed) -> Mall {
    let (homepage, link_hosts) = match seed.platform {
        Platform::Cafe24 => (
            format!("https://www.{}.co.kr/", seed.id),
            vec![format!("www.{}.co.kr", seed.id), format!("m.{}.co.kr", seed.id)],
        ),
        Platform::Smartstore => (
            format!("https://smartstore.naver.com/{}", seed.id),
            vec!["smartstore.naver.com".to_string(), "m.smartstore.naver.com".to_string()],
        ),
        // A mall on its own domain (Shopify, and the demo has no imweb, godomall or makeshop).
        _ => (
            format!("https://{}.com/", seed.id),
            vec![format!("{}.com", seed.id), format!("{}.myshopify.com", seed.id)],
        ),
    };
    let contact = demo_contact(seed, &link_hosts[0]);
    Mall {
        id: seed.id.to_string(),
        name: seed.name.to_string(),
        platform: seed.platform,
        homepage,
        link_hosts,
        styles: seed.styles.to_vec(),
        gender: seed.gender,
        age_bands: seed.ages.to_vec(),
        contact: Some(contact),
    }
}

/// Where the demo mall answers questions: every one a KakaoTalk channel, a phone and hours; the
/// malls on their own domain Channel Talk too; the Cafe24 ones an email.
fn demo_contact(seed: &MallSeed, host: &str) -> MallContact {
    let n = seed.id.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let plain: String = seed.id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    MallContact {
        kakao_channel: Some(format!("https://pf.kakao.com/_{plain}")),
        channel_talk: matches!(seed.platform, Platform::Shopify)
            .then(|| format!("https://{}.channel.io", seed.id.replace('_', "-"))),
        phone: Some(format!("02-{:04}-{:04}", 1000 + n % 9000, n / 9000 % 10000)),
        email: matches!(seed.platform, Platform::Cafe24).then(|| format!("cs@{}", host.trim_start_matches("www."))),
        hours: Some("평일 10:00–17:00 (점심 12:00–13:00)".into()),
    }
}

/// Every colour in every size, a few sold out (and 6% of products sold out whole). The draws
/// come in the same order as ever, so a seed still makes the same world.
fn make_variants(id: &str, category: Category, gender: Gender, colours: &[&str], rng: &mut ChaCha8Rng) -> Vec<Variant> {
    let sold_out = rng.random_bool(0.06);
    let sizes = sizes(category, gender, rng);
    let mut variants = Vec::with_capacity(colours.len() * sizes.len());
    for (ci, colour) in colours.iter().enumerate() {
        for (si, size) in sizes.iter().enumerate() {
            variants.push(Variant {
                id: format!("{id}-{ci}{si}"),
                color: Some(colour.to_string()),
                size: Some(size.to_string()),
                available: !sold_out && rng.random_bool(0.9),
            });
        }
    }
    if !sold_out && !variants.iter().any(|v| v.available) {
        variants[0].available = true;
    }
    variants
}

fn make_product(mall: &MallSeed, mall_weight: f64, number: u64, rng: &mut ChaCha8Rng, now: i64) -> Product {
    let id = format!("{}-{}", mall.id, number);
    // Mostly the mall's main concept, sometimes its second one.
    let style = if mall.styles.len() > 1 && rng.random_bool(0.35) { mall.styles[1] } else { mall.styles[0] };
    let weights = category_weights(style, mall.gender);
    let category = CATEGORIES[weighted_index(&weights, rng)];

    let modifier = modifiers(style).choose(rng).expect("non-empty");
    let noun = nouns(category).choose(rng).expect("non-empty");
    let mut title = if rng.random_bool(0.35) && !matches!(category, Category::Accessory | Category::Bag) {
        format!("{modifier} {} {noun}", MATERIALS.choose(rng).expect("non-empty"))
    } else {
        format!("{modifier} {noun}")
    };
    if rng.random_bool(0.12) {
        title = format!("[자체제작] {title}");
    }

    let colour_count = rng.random_range(1..=3usize);
    let colours: Vec<&str> = palette(style).choose_multiple(rng, colour_count).copied().collect();
    if colours.len() > 1 && rng.random_bool(0.4) {
        title.push_str(&format!(" ({}color)", colours.len()));
    }

    let (low, high) = price_range(category);
    // Soho malls price like 39,800원: whole thousands less 200.
    let list_price = (rng.random_range(low..=high) / 1000) * 1000 - 200;
    let discount =
        if rng.random_bool(0.35) { *[10i64, 15, 20, 25, 30, 40, 50].choose(rng).expect("non-empty") } else { 0 };
    let price = if discount > 0 { ((list_price * (100 - discount) / 100) / 100) * 100 } else { list_price };

    let variants = make_variants(&id, category, mall.gender, &colours, rng);

    let created_at = now - rng.random_range(0..90 * DAY);
    // Heavy-tailed popularity: most items are seen a little, a few a lot.
    let u: f64 = rng.random_range(0.0..1.0);
    let popularity = ((1.0 - u).powf(-1.0 / 1.4) - 1.0) * 40.0 * mall_weight;
    let popularity = (popularity * 10.0).round() / 10.0;

    let styles = if rng.random_bool(0.3) && mall.styles.len() > 1 { mall.styles.to_vec() } else { vec![style] };
    let product_url = match mall.platform {
        Platform::Cafe24 => format!("https://www.{}.co.kr/product/detail.html?product_no={number}", mall.id),
        Platform::Smartstore => format!("https://smartstore.naver.com/{}/products/{number}", mall.id),
        _ => format!("https://{}.com/products/item-{number}", mall.id),
    };
    Product {
        image_url: images::photo_path(&id, None, 0),
        more_image_urls: (1..=images::gallery_views(&id)).map(|v| images::photo_path(&id, None, v)).collect(),
        id,
        mall_id: mall.id.to_string(),
        title,
        brand: (mall.platform == Platform::Smartstore).then(|| mall.name.to_string()),
        category,
        styles,
        gender: mall.gender,
        age_bands: mall.ages.to_vec(),
        price: Money::krw(price),
        original_price: (discount > 0).then(|| Money::krw(list_price)),
        product_url,
        variants,
        created_at,
        updated_at: created_at,
        popularity,
        // Half the sales say when they end, within the next two weeks (derived from the product
        // number, so that the world's random draws stay as they were).
        sale_ends_at: (discount > 0 && number % 2 == 0).then(|| now + DAY / 2 + (number as i64 * 7919) % (14 * DAY)),
        image_hash: None,
        same_item: None,
    }
}

fn weighted_index(weights: &[f64], rng: &mut ChaCha8Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut pick = rng.random_range(0.0..total);
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

/// The demo world's key for a mall's statistics (a real deployment issues random keys).
pub fn demo_mall_key(mall_id: &str) -> String {
    format!("demo-key-{mall_id}")
}

/// The demo world's secret a mall's platform signs its order webhooks with (a real mall sets
/// its own with `moa mall webhook-secret`).
pub fn demo_webhook_secret(mall_id: &str) -> String {
    format!("demo-webhook-{mall_id}")
}

/// The demo world's shoppers' accounts, all with [`DEMO_PASSWORD`].
pub const DEMO_ACCOUNTS: [&str; 3] = ["jiwoo", "minji", "hana"];
pub const DEMO_PASSWORD: &str = "moa-demo";

/// Shoppers simulated for the demo world's population statistics.
pub const DEMO_SHOPPERS: usize = 3000;

/// Build the demo catalog in memory (see [`CatalogDb::open`]): the world of `spec`, malls and
/// products, and the statistics of a simulated population of shoppers.
pub fn demo_catalog(spec: DemoSpec) -> Result<(Arc<CatalogDb>, DemoWorld), CatalogError> {
    let catalog = CatalogDb::open(None)?;
    let world = populate(&catalog, spec)?;
    Ok((Arc::new(catalog), world))
}

/// Write the demo world of `spec` into `catalog` (`moa serve --demo --database …`, the replica
/// tests): malls, products, population statistics, the malls' keys and webhook secrets, and the demo accounts.
pub fn populate(catalog: &CatalogDb, spec: DemoSpec) -> Result<DemoWorld, CatalogError> {
    let world = DemoWorld::generate(spec);
    catalog.put_malls(&world.malls)?;
    catalog.upsert_products(&world.products)?;
    catalog.put_stats(&population::simulate(&world, spec.seed ^ 0x5eed, DEMO_SHOPPERS))?;
    for mall in &world.malls {
        catalog.put_mall_key(&mall.id, &demo_mall_key(&mall.id))?;
        catalog.set_webhook_secret(&mall.id, &demo_webhook_secret(&mall.id))?;
    }
    for username in DEMO_ACCOUNTS {
        catalog.create_account(username, DEMO_PASSWORD)?;
    }
    Ok(world)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn same_seed_same_world() {
        let a = DemoWorld::generate(DemoSpec { seed: 7, products: 500, now: NOW });
        let b = DemoWorld::generate(DemoSpec { seed: 7, products: 500, now: NOW });
        let c = DemoWorld::generate(DemoSpec { seed: 8, products: 500, now: NOW });
        assert_eq!(a.products, b.products);
        assert_ne!(a.products, c.products);
    }

    #[test]
    fn world_looks_like_the_soho_market() {
        let world = DemoWorld::generate(DemoSpec { seed: 1, products: 10_000, now: NOW });
        assert!(world.malls.len() >= 20);
        assert_eq!(world.products.len(), 10_000);
        let ids: HashSet<&str> = world.products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), 10_000, "product ids are unique");
        let malls_with_products: HashSet<&str> = world.products.iter().map(|p| p.mall_id.as_str()).collect();
        assert_eq!(malls_with_products.len(), world.malls.len());
        for p in &world.products {
            p.validate().unwrap_or_else(|e| panic!("{}: {e}", p.id));
            assert!(p.created_at <= NOW && p.created_at > NOW - 90 * DAY);
            assert_eq!(p.price.currency, "KRW");
            let mall = world.malls.iter().find(|m| m.id == p.mall_id).unwrap();
            let host = url::Url::parse(&p.product_url).unwrap().host_str().unwrap().to_string();
            assert!(mall.link_hosts.contains(&host), "{} links off its mall", p.id);
            assert!(p.title.chars().any(|c| ('가'..='힣').contains(&c)), "Korean title: {}", p.title);
        }
        let on_sale = world.products.iter().filter(|p| p.original_price.is_some()).count();
        let sold_out = world.products.iter().filter(|p| !p.in_stock()).count();
        assert!((2500..4500).contains(&on_sale), "{on_sale} on sale");
        assert!((300..1000).contains(&sold_out), "{sold_out} sold out");
        let men_dresses =
            world.products.iter().filter(|p| p.gender == Gender::Men && p.category == Category::Dress).count();
        assert_eq!(men_dresses, 0);
    }
}
