//! A project's clock: the wall clock moved by an offset, or frozen at a set instant.
//!
//! Handlers read the wall clock once at the edge and ask the project's clock what time it is
//! there; the engine only ever sees the resulting instant.

use crate::engine::time::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The wall clock plus `offset_ms` (0 by default).
    Running { offset_ms: i64 },
    /// Stopped at an instant until moved again.
    Frozen(Timestamp),
}

impl Default for Clock {
    fn default() -> Self {
        Self::Running { offset_ms: 0 }
    }
}

impl Clock {
    pub fn now(&self, wall: Timestamp) -> Timestamp {
        match *self {
            Self::Running { offset_ms } => wall.plus(offset_ms),
            Self::Frozen(at) => at,
        }
    }

    pub fn is_frozen(&self) -> bool {
        matches!(self, Self::Frozen(_))
    }

    /// Sets the time to `at`; the clock stays frozen there when `freeze`, else keeps running
    /// from it.
    pub fn set(&mut self, at: Timestamp, wall: Timestamp, freeze: bool) {
        *self = if freeze {
            Self::Frozen(at)
        } else {
            Self::Running {
                offset_ms: at.millis().saturating_sub(wall.millis()),
            }
        };
    }

    /// Moves the clock by `ms` (negative goes back), keeping its mode.
    pub fn advance(&mut self, ms: i64) {
        match self {
            Self::Running { offset_ms } => *offset_ms = offset_ms.saturating_add(ms),
            Self::Frozen(at) => *at = at.plus(ms),
        }
    }

    /// Lets a frozen clock run again from where it stands.
    pub fn resume(&mut self, wall: Timestamp) {
        if let Self::Frozen(at) = *self {
            self.set(at, wall, false);
        }
    }
}

/// The wall clock, read only at the emulator's edges.
pub fn wall_now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALL: Timestamp = Timestamp(1_000_000);

    #[test]
    fn running_clock_follows_the_wall_with_an_offset() {
        let mut c = Clock::default();
        assert_eq!(c.now(WALL), WALL);
        c.advance(500);
        assert_eq!(c.now(WALL), WALL.plus(500));
        c.set(Timestamp(10), WALL, false);
        assert_eq!(c.now(WALL.plus(5)), Timestamp(15));
    }

    #[test]
    fn frozen_clock_stands_still_until_moved() {
        let mut c = Clock::default();
        c.set(Timestamp(7), WALL, true);
        assert_eq!(c.now(WALL.plus(99)), Timestamp(7));
        c.advance(3);
        assert_eq!(c.now(WALL), Timestamp(10));
        c.resume(WALL);
        assert!(!c.is_frozen());
        assert_eq!(c.now(WALL.plus(1)), Timestamp(11));
    }
}
