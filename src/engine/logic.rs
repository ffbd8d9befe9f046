//! The `logic` expression of a rule set: rule numbers combined with `and`, `or`, `not` and
//! parentheses (`"(1 and 2) or 3"`). `and` binds tighter than `or`.

use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logic {
    Rule(u32),
    And(Box<Logic>, Box<Logic>),
    Or(Box<Logic>, Box<Logic>),
    Not(Box<Logic>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Number(u32),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' {
            chars.next();
            out.push(Token::Open);
        } else if c == ')' {
            chars.next();
            out.push(Token::Close);
        } else if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            let number = n
                .parse()
                .map_err(|_| format!("Logic '{text}' has a rule number that is too large: {n}"))?;
            out.push(Token::Number(number));
        } else if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(&w) = chars.peek().filter(|w| w.is_alphabetic()) {
                word.push(w);
                chars.next();
            }
            out.push(match word.to_lowercase().as_str() {
                "and" => Token::And,
                "or" => Token::Or,
                "not" => Token::Not,
                _ => return Err(format!("Logic '{text}' has an unknown word '{word}'; use rule numbers with and, or, not and parentheses")),
            });
        } else {
            return Err(format!("Logic '{text}' has an unexpected character '{c}'"));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn expr(&mut self) -> Result<Logic, String> {
        let mut left = self.term()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            let right = self.term()?;
            left = Logic::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Logic, String> {
        let mut left = self.factor()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            let right = self.factor()?;
            left = Logic::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Logic, String> {
        let token = self.peek().cloned();
        self.at += 1;
        match token {
            Some(Token::Number(n)) => Ok(Logic::Rule(n)),
            Some(Token::Not) => Ok(Logic::Not(Box::new(self.factor()?))),
            Some(Token::Open) => {
                let inner = self.expr()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(format!("Logic '{}' has an unclosed parenthesis", self.text));
                }
                self.at += 1;
                Ok(inner)
            }
            Some(other) => Err(format!(
                "Logic '{}' has {} where a rule number was expected",
                self.text,
                describe(&other)
            )),
            None => Err(format!(
                "Logic '{}' ends where a rule number was expected",
                self.text
            )),
        }
    }
}

fn describe(t: &Token) -> &'static str {
    match t {
        Token::Number(_) => "a number",
        Token::And => "'and'",
        Token::Or => "'or'",
        Token::Not => "'not'",
        Token::Open => "'('",
        Token::Close => "')'",
    }
}

/// Parses `text`; every rule number it names must be in `defined`.
pub fn parse(text: &str, defined: &BTreeSet<u32>) -> Result<Logic, String> {
    let tokens = tokens(text)?;
    if tokens.is_empty() {
        return Err("Logic is empty".into());
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        text,
    };
    let logic = parser.expr()?;
    if parser.at < parser.tokens.len() {
        return Err(format!(
            "Logic '{text}' has {} after a complete expression",
            describe(&parser.tokens[parser.at])
        ));
    }
    if let Some(missing) = logic.rules().into_iter().find(|n| !defined.contains(n)) {
        return Err(format!(
            "Logic '{text}' refers to rule {missing}, which is not defined"
        ));
    }
    Ok(logic)
}

/// `1 and 2 and ... and n`: the logic of rules without one.
pub fn all_of(defined: &BTreeSet<u32>) -> Option<Logic> {
    defined
        .iter()
        .map(|n| Logic::Rule(*n))
        .reduce(|a, b| Logic::And(Box::new(a), Box::new(b)))
}

impl Logic {
    /// Evaluates with `value(n)` as rule n's outcome (short-circuits left to right).
    pub fn eval(&self, value: &mut impl FnMut(u32) -> bool) -> bool {
        match self {
            Self::Rule(n) => value(*n),
            Self::And(a, b) => a.eval(value) && b.eval(value),
            Self::Or(a, b) => a.eval(value) || b.eval(value),
            Self::Not(a) => !a.eval(value),
        }
    }

    /// The rule numbers it names.
    pub fn rules(&self) -> BTreeSet<u32> {
        let mut out = BTreeSet::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut BTreeSet<u32>) {
        match self {
            Self::Rule(n) => {
                out.insert(*n);
            }
            Self::And(a, b) | Self::Or(a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Self::Not(a) => a.collect(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defined(n: u32) -> BTreeSet<u32> {
        (1..=n).collect()
    }

    fn truth(logic: &str, values: &[bool]) -> bool {
        let l = parse(logic, &defined(values.len() as u32)).unwrap();
        l.eval(&mut |n| values[(n - 1) as usize])
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert!(truth("1 or 2 and 3", &[true, false, false]));
        assert!(!truth("(1 or 2) and 3", &[true, false, false]));
        assert!(truth("(1 and 2) or 3", &[false, false, true]));
        assert!(truth("not 1 and 2", &[false, true]));
        assert!(truth("NOT (1 OR 2)", &[false, false]));
    }

    #[test]
    fn broken_logic_names_the_problem() {
        let e = |t: &str| parse(t, &defined(2)).unwrap_err();
        assert!(e("1 and").contains("ends where a rule number was expected"));
        assert!(e("(1 and 2").contains("unclosed parenthesis"));
        assert!(e("1 xor 2").contains("unknown word 'xor'"));
        assert!(e("1 and 3").contains("refers to rule 3, which is not defined"));
        assert!(e("1 2").contains("after a complete expression"));
        assert!(e("").contains("empty"));
        assert!(e("1 & 2").contains("unexpected character '&'"));
    }

    #[test]
    fn default_logic_is_all_rules() {
        let l = all_of(&defined(3)).unwrap();
        assert!(l.eval(&mut |_| true));
        assert!(!l.eval(&mut |n| n != 2));
        assert_eq!(all_of(&BTreeSet::new()), None);
    }
}
