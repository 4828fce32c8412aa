//! The stylesheet for highlighted code in commentary: syntect's classes
//! coloured by a light and a dark bundled theme, each adjusted so every
//! token reads at WCAG AA contrast (4.5:1) on the page's background.

use syntect::highlighting::{Color, Theme, ThemeSet};
use syntect::html::css_for_theme_with_class_style;

use super::commentary::CLASS_STYLE;

/// Page backgrounds of the default theme (style.css), light and dark:
/// code blocks have no background of their own.
const LIGHT_BG: Color = rgb(0xfd, 0xfd, 0xfc);
const DARK_BG: Color = rgb(0x15, 0x17, 0x1a);

/// The contrast every token gets, a little above AA's 4.5 so rounding in
/// a browser's colour pipeline cannot take it below.
const TARGET: f64 = 4.6;

const fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color { r, g, b, a: 0xff }
}

/// The highlighting stylesheet. Each scheme's rules sit in their own media
/// block: were the light rules unconditional, a light colour for a
/// selector the dark theme does not style (or styles less specifically)
/// would show on the dark background. Print always takes the light one.
pub fn stylesheet() -> String {
    let block = |theme: &Theme| -> String {
        let css = css_for_theme_with_class_style(theme, CLASS_STYLE).unwrap_or_default();
        css.lines().map(|l| format!("  {l}\n")).collect()
    };
    let (light, dark) = schemes();
    format!(
        "/* Code highlighting (syntect classes). */\n\
         @media print, not all and (prefers-color-scheme: dark) {{\n{}}}\n\
         @media screen and (prefers-color-scheme: dark) {{\n{}}}\n",
        block(&light),
        block(&dark)
    )
}

/// The light and dark themes, adjusted for contrast on their background.
fn schemes() -> (Theme, Theme) {
    let themes = ThemeSet::load_defaults();
    let adjusted = |name: &str, background: Color| {
        let mut theme = themes.themes.get(name).cloned().unwrap_or_default();
        ensure_contrast(&mut theme, background);
        theme
    };
    (
        adjusted("InspiredGitHub", LIGHT_BG),
        adjusted("base16-ocean.dark", DARK_BG),
    )
}

/// Tokens are drawn on the page's background: a theme's own backgrounds
/// (of the block, of diff lines, of invalid code) are dropped, and each
/// foreground is darkened (on light) or lightened (on dark) until it passes.
fn ensure_contrast(theme: &mut Theme, background: Color) {
    theme.settings.background = None;
    if let Some(colour) = theme.settings.foreground.as_mut() {
        *colour = readable(*colour, background);
    }
    for item in &mut theme.scopes {
        item.style.background = None;
        if let Some(colour) = item.style.foreground.as_mut() {
            *colour = readable(*colour, background);
        }
    }
}

fn readable(mut colour: Color, background: Color) -> Color {
    let dark_bg = luminance(background) < 0.5;
    let shift = |c: u8| {
        if dark_bg {
            c.saturating_add(8)
        } else {
            c.saturating_sub(8)
        }
    };
    // 32 steps of 8 reach black or white, which pass on any background.
    for _ in 0..32 {
        if contrast(colour, background) >= TARGET {
            break;
        }
        colour = rgb(shift(colour.r), shift(colour.g), shift(colour.b));
    }
    colour.a = 0xff;
    colour
}

fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every colour a scheme gives a token, with its contrast on the page.
    fn ratios(theme: &Theme, background: Color) -> Vec<f64> {
        let scopes = theme.scopes.iter().filter_map(|s| s.style.foreground);
        (theme.settings.foreground.into_iter().chain(scopes))
            .map(|c| contrast(c, background))
            .collect()
    }

    #[test]
    fn every_token_reads_at_aa_contrast_in_both_schemes() {
        let (light, dark) = schemes();
        for (name, theme, background) in [("light", &light, LIGHT_BG), ("dark", &dark, DARK_BG)] {
            let ratios = ratios(theme, background);
            let lowest = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "{name}: {} colours, lowest contrast {lowest:.2}:1",
                ratios.len()
            );
            assert!(ratios.len() > 10, "{name} scheme has its colours");
            assert!(lowest >= 4.5, "{name}: a token reads at {lowest:.2}:1");
        }
    }

    #[test]
    fn each_scheme_applies_only_in_its_own_colour_scheme() {
        let css = stylesheet();
        assert!(css.contains(".hl-"));
        assert!(!css.contains("background"), "tokens sit on the page");
        assert!(
            !css.contains("#0086b3"),
            "InspiredGitHub's pale blue is darkened for contrast"
        );
        // No rule outside the two media blocks.
        let outside: String = css
            .lines()
            .filter(|l| !l.starts_with("  ") && !l.starts_with('@') && *l != "}")
            .collect();
        assert_eq!(outside, "/* Code highlighting (syntect classes). */");
    }

    #[test]
    fn the_known_low_contrast_colours_are_lifted() {
        // InspiredGitHub's keyword red fails on the dark page, where it
        // showed while the light rules leaked into the dark scheme.
        assert!(contrast(rgb(0xa7, 0x1d, 0x5d), DARK_BG) < 4.5);
        let lifted = readable(rgb(0xa7, 0x1d, 0x5d), DARK_BG);
        assert!(contrast(lifted, DARK_BG) >= 4.5);
    }
}
