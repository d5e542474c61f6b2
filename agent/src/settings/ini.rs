//! The INI text of a settings file, kept line by line so that the agent can change the values it
//! owns and leave every other byte (comments, other sections, unknown keys, line endings,
//! the seed's trailing no-break spaces) exactly as the user wrote it.

/// A settings file's text.
#[derive(Clone, Debug)]
pub struct IniText {
    lines: Vec<String>,
    newline: &'static str,
    ends_with_newline: bool,
}

/// What one line is. Keys and section names are compared trimmed of any Unicode white space
/// (the seed's sample carries no-break spaces at the ends of its lines).
enum Line<'a> {
    Section(&'a str),
    Entry { key: &'a str, value: &'a str },
    Other,
}

fn classify(line: &str) -> Line<'_> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
        return Line::Other;
    }
    if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return Line::Section(name.trim());
    }
    match trimmed.split_once('=') {
        Some((key, value)) => Line::Entry {
            key: key.trim(),
            value: value.trim(),
        },
        None => Line::Other,
    }
}

impl IniText {
    pub fn parse(text: &str) -> Self {
        let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
        let ends_with_newline = text.is_empty() || text.ends_with('\n');
        let lines = text
            .lines()
            .map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
            .collect();
        Self {
            lines,
            newline,
            ends_with_newline,
        }
    }

    pub fn to_text(&self) -> String {
        let mut text = self.lines.join(self.newline);
        if self.ends_with_newline && !self.lines.is_empty() {
            text.push_str(self.newline);
        }
        text
    }

    /// Whether the file has a `[section]` line.
    pub fn has_section(&self, section: &str) -> bool {
        self.lines
            .iter()
            .any(|line| matches!(classify(line), Line::Section(name) if name == section))
    }

    /// The value of `key` in `section` (the first one, trimmed); `None` when absent or empty.
    pub fn get(&self, section: &str, key: &str) -> Option<String> {
        let mut current = None;
        for line in &self.lines {
            match classify(line) {
                Line::Section(name) => current = Some(name),
                Line::Entry { key: k, value } if current == Some(section) && k == key => {
                    return Some(value.to_string()).filter(|v| !v.is_empty());
                }
                _ => {}
            }
        }
        None
    }

    /// Sets (or, for `None`, removes) `key` in `section`. A key already there keeps its place;
    /// a new one goes after the section's last entry; a missing section is added at the end.
    pub fn set(&mut self, section: &str, key: &str, value: Option<&str>) {
        // Values are one line each: a line break in, say, an error message would start a new
        // entry.
        let value = value.map(|v| v.replace(['\r', '\n'], " "));
        let mut current = None;
        let mut section_found = false;
        let mut last_entry_of_section = None;
        let mut index = 0;
        while index < self.lines.len() {
            match classify(&self.lines[index]) {
                Line::Section(name) => {
                    current = Some(name == section);
                    if name == section {
                        section_found = true;
                        last_entry_of_section = Some(index);
                    }
                }
                Line::Entry { key: k, .. } if current == Some(true) => {
                    if k == key {
                        match &value {
                            Some(value) => self.lines[index] = format!("{key}={value}"),
                            None => {
                                self.lines.remove(index);
                            }
                        }
                        return;
                    }
                    last_entry_of_section = Some(index);
                }
                _ => {}
            }
            index += 1;
        }
        let Some(value) = value else { return };
        let entry = format!("{key}={value}");
        match last_entry_of_section {
            Some(after) if section_found => self.lines.insert(after + 1, entry),
            _ => {
                if self
                    .lines
                    .last()
                    .is_some_and(|line| !line.trim().is_empty())
                {
                    self.lines.push(String::new());
                }
                self.lines.push(format!("[{section}]"));
                self.lines.push(entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seeds_sample_with_its_no_break_spaces() {
        let text = "[cn-local]\u{a0}\nflag=DefaultCommandTimeout=0;ConvertZeroDatetime=True;\u{a0}\n\
                    \u{a0}\n[api-auth]\u{a0}\nhost=https://hub\u{a0}\n";
        let ini = IniText::parse(text);
        assert_eq!(ini.get("api-auth", "host").as_deref(), Some("https://hub"));
        assert_eq!(
            ini.get("cn-local", "flag").as_deref(),
            Some("DefaultCommandTimeout=0;ConvertZeroDatetime=True;")
        );
        assert!(ini.has_section("cn-local"));
        assert_eq!(ini.to_text(), text);
    }

    #[test]
    fn changes_only_the_values_it_is_given() {
        let text = "; top comment\r\n[pos-config]\r\n# why\r\npos_type=retail\r\nold=1\r\n\r\n\
                    [other]\r\nmaster_cursor=keep\r\n";
        let mut ini = IniText::parse(text);
        ini.set("pos-config", "pos_type", Some("restaurant"));
        ini.set("pos-config", "master_cursor", Some("7"));
        ini.set("pos-config", "old", None);
        ini.set("pos-config", "absent", None);
        assert_eq!(
            ini.to_text(),
            "; top comment\r\n[pos-config]\r\n# why\r\npos_type=restaurant\r\nmaster_cursor=7\r\n\
             \r\n[other]\r\nmaster_cursor=keep\r\n"
        );
    }

    #[test]
    fn adds_a_missing_section_at_the_end() {
        let mut ini = IniText::parse("[api-auth]\nhost=x");
        ini.set("pos-config", "device_id", Some("a\nb"));
        assert_eq!(
            ini.to_text(),
            "[api-auth]\nhost=x\n\n[pos-config]\ndevice_id=a b"
        );
    }
}
