//! `--shard I/N`: which scenarios one of N CI runners runs. Scenarios are ordered by feature
//! path, name and example values (never by line, so moving lines changes nothing), and dealt
//! round-robin: every machine computes the same share, the shares differ by at most one
//! scenario, and together they hold every scenario exactly once.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("invalid shard '{s}': write I/N with 1 <= I <= N, e.g. 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A scenario as sharding sees it: where it is, and what orders it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShardKey {
    /// The feature file.
    pub path: String,
    /// The scenario's name with its example values.
    pub name: String,
    /// Its line, only to tell apart scenarios with the same name.
    pub line: usize,
}

impl Shard {
    /// The keys this shard runs, out of all the run's scenarios.
    pub fn select(&self, all: &[ShardKey]) -> Vec<ShardKey> {
        let mut sorted = all.to_vec();
        sorted.sort();
        sorted
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % self.count == self.index - 1)
            .map(|(_, k)| k)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<ShardKey> {
        (0..n)
            .map(|i| ShardKey {
                path: format!("features/a{}.feature", i % 4),
                name: format!("scenario {i}"),
                line: i,
            })
            .collect()
    }

    #[test]
    fn shards_cover_every_scenario_once_and_are_balanced() {
        let all = keys(27);
        let mut seen = Vec::new();
        for index in 1..=4 {
            let share = Shard { index, count: 4 }.select(&all);
            assert!((6..=7).contains(&share.len()), "{}", share.len());
            seen.extend(share);
        }
        seen.sort();
        let mut expected = all.clone();
        expected.sort();
        assert_eq!(seen, expected);
    }

    #[test]
    fn moving_lines_keeps_the_share() {
        let all = keys(10);
        let moved: Vec<ShardKey> = all
            .iter()
            .map(|k| ShardKey {
                line: k.line + 40,
                ..k.clone()
            })
            .collect();
        let names = |ks: Vec<ShardKey>| ks.into_iter().map(|k| k.name).collect::<Vec<_>>();
        let shard = Shard { index: 2, count: 3 };
        assert_eq!(names(shard.select(&all)), names(shard.select(&moved)));
    }

    #[test]
    fn shard_parses_and_refuses_nonsense() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
