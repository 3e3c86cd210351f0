//! Reads and rewrites the attributes of template parameters in place, keeping every other line
//! (comments, short-form intrinsics such as `!Sub`, layout) as written.
//!
//! The templates are block-style YAML: `Parameters:` at column 0, each parameter a key indented
//! by two spaces, its attributes (`Type`, `Default`, ...) indented further, each on one line.
//! That is all this module relies on, and it refuses anything else rather than guessing.

use thiserror::Error;

/// Why a parameter attribute could not be read or set.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TemplateError {
    /// The template has no top-level `Parameters:` section.
    #[error("the template has no top-level `Parameters:` section")]
    NoParametersSection,
    /// The parameter is not declared.
    #[error("the template declares no parameter `{0}`")]
    UnknownParameter(String),
    /// The parameter's `Default` is a multi-line or block value this module does not rewrite.
    #[error("parameter `{0}` has a multi-line Default; write it on one line")]
    UnsupportedDefault(String),
    /// An attribute's value is not a one-line scalar this module reads.
    #[error(
        "parameter `{parameter}`: {attribute} is not a one-line YAML scalar; write it on one line"
    )]
    UnsupportedValue {
        /// The parameter.
        parameter: String,
        /// The attribute (`Type`, `Default`, `AllowedPattern`, ...).
        attribute: String,
    },
}

/// Where a parameter's lines are in a template split into lines.
struct ParameterLines {
    /// The line `  <name>:`.
    header: usize,
    /// The first line after the parameter.
    end: usize,
    /// The indentation of its attributes.
    attribute_indent: usize,
}

/// The line span of the `Parameters:` section's body: `(first line, end)`.
fn parameters_section(lines: &[&str]) -> Result<(usize, usize), TemplateError> {
    let section = lines
        .iter()
        .position(|line| line.trim_end() == "Parameters:")
        .ok_or(TemplateError::NoParametersSection)?;
    let section_end = lines[section + 1..]
        .iter()
        .position(|line| starts_top_level_key(line))
        .map_or(lines.len(), |offset| section + 1 + offset);
    Ok((section + 1, section_end))
}

fn locate(lines: &[&str], name: &str) -> Result<ParameterLines, TemplateError> {
    let (start, section_end) = parameters_section(lines)?;
    let header = format!("  {name}:");
    let parameter = (start..section_end)
        .find(|&i| lines[i].trim_end() == header)
        .ok_or_else(|| TemplateError::UnknownParameter(name.to_owned()))?;
    let end = (parameter + 1..section_end)
        .find(|&i| is_content(lines[i]) && indentation(lines[i]) <= 2)
        .unwrap_or(section_end);
    let attribute_indent = (parameter + 1..end)
        .find(|&i| is_content(lines[i]))
        .map_or(4, |i| indentation(lines[i]));
    Ok(ParameterLines {
        header: parameter,
        end,
        attribute_indent,
    })
}

/// The names of the parameters `template` declares, in order.
pub fn parameter_names(template: &str) -> Result<Vec<String>, TemplateError> {
    let lines: Vec<&str> = template.split_inclusive('\n').collect();
    let (start, end) = parameters_section(&lines)?;
    Ok(lines[start..end]
        .iter()
        .filter(|line| is_content(line) && indentation(line) == 2)
        .filter_map(|line| line.trim().strip_suffix(':'))
        .map(str::to_owned)
        .collect())
}

/// The value of parameter `name`'s `attribute` (`Type`, `Default`, `AllowedPattern`, ...) as
/// YAML reads it: a plain, single-quoted or double-quoted scalar on one line (escapes decoded, a
/// trailing comment dropped); `None` when the parameter has no such attribute.
pub fn parameter_attribute(
    template: &str,
    name: &str,
    attribute: &str,
) -> Result<Option<String>, TemplateError> {
    let lines: Vec<&str> = template.split_inclusive('\n').collect();
    let parameter = locate(&lines, name)?;
    let key = format!("{attribute}:");
    let Some(i) = (parameter.header + 1..parameter.end).find(|&i| {
        indentation(lines[i]) == parameter.attribute_indent
            && lines[i].trim_start().starts_with(&key)
    }) else {
        return Ok(None);
    };
    let unsupported = || TemplateError::UnsupportedValue {
        parameter: name.to_owned(),
        attribute: attribute.to_owned(),
    };
    let continues = (i + 1..parameter.end)
        .find(|&j| is_content(lines[j]))
        .is_some_and(|j| indentation(lines[j]) > parameter.attribute_indent);
    if continues {
        return Err(unsupported());
    }
    one_line_scalar(lines[i].trim_start()[key.len()..].trim())
        .map(Some)
        .ok_or_else(unsupported)
}

/// A one-line YAML scalar (YAML 1.2, "Flow Scalar Styles"): `"double"` with its escapes,
/// `'single'` with `''` for a quote, or plain up to a ` #` comment. `None` for anything else
/// (a block scalar, a flow collection, a tag, an alias, an unterminated quote, an unknown
/// escape).
fn one_line_scalar(text: &str) -> Option<String> {
    if let Some(rest) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return trailing_comment_only(chars.as_str()).then_some(value),
                '\\' => {
                    let escaped = match chars.next()? {
                        '0' => '\0',
                        'a' => '\u{7}',
                        'b' => '\u{8}',
                        't' | '\t' => '\t',
                        'n' => '\n',
                        'v' => '\u{b}',
                        'f' => '\u{c}',
                        'r' => '\r',
                        'e' => '\u{1b}',
                        ' ' => ' ',
                        '"' => '"',
                        '/' => '/',
                        '\\' => '\\',
                        'N' => '\u{85}',
                        '_' => '\u{a0}',
                        'L' => '\u{2028}',
                        'P' => '\u{2029}',
                        hex @ ('x' | 'u' | 'U') => {
                            let digits = match hex {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let code: String = chars.by_ref().take(digits).collect();
                            if code.len() != digits {
                                return None;
                            }
                            char::from_u32(u32::from_str_radix(&code, 16).ok()?)?
                        }
                        _ => return None,
                    };
                    value.push(escaped);
                }
                c => value.push(c),
            }
        }
        None
    } else if let Some(rest) = text.strip_prefix('\'') {
        let mut value = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\'' {
                value.push(c);
            } else if chars.peek() == Some(&'\'') {
                chars.next();
                value.push('\'');
            } else {
                let rest: String = chars.collect();
                return trailing_comment_only(&rest).then_some(value);
            }
        }
        None
    } else {
        let value = match text.find(" #") {
            Some(comment) => text[..comment].trim_end(),
            None => text,
        };
        let indicator = value.chars().next()?;
        (!"[]{}|>!&*%@`#\"'".contains(indicator)).then(|| value.to_owned())
    }
}

/// Whether `rest` (after a closing quote) is empty or a comment.
fn trailing_comment_only(rest: &str) -> bool {
    let rest = rest.trim();
    rest.is_empty() || rest.starts_with('#')
}

/// `template` with parameter `name`'s `Default` set to `value` (added if it had none).
pub fn set_parameter_default(
    template: &str,
    name: &str,
    value: &str,
) -> Result<String, TemplateError> {
    let lines: Vec<&str> = template.split_inclusive('\n').collect();
    let ParameterLines {
        header: parameter,
        end: parameter_end,
        attribute_indent,
    } = locate(&lines, name)?;

    let default_line = format!(
        "{}Default: {}{}",
        " ".repeat(attribute_indent),
        yaml_quoted(value),
        line_ending(lines[parameter])
    );
    let existing = (parameter + 1..parameter_end).find(|&i| {
        indentation(lines[i]) == attribute_indent && lines[i].trim_start().starts_with("Default:")
    });

    let mut out = String::with_capacity(template.len() + default_line.len());
    match existing {
        Some(i) => {
            let rest = lines[i].trim_start()["Default:".len()..].trim();
            let continues = (i + 1..parameter_end)
                .find(|&j| is_content(lines[j]))
                .is_some_and(|j| indentation(lines[j]) > attribute_indent);
            if rest.is_empty() || rest.starts_with('>') || rest.starts_with('|') || continues {
                return Err(TemplateError::UnsupportedDefault(name.to_owned()));
            }
            for (j, line) in lines.iter().enumerate() {
                out.push_str(if j == i { &default_line } else { line });
            }
        }
        None => {
            for (j, line) in lines.iter().enumerate() {
                out.push_str(line);
                if j == parameter {
                    out.push_str(&default_line);
                }
            }
        }
    }
    Ok(out)
}

/// Sets several parameter defaults, in order.
pub fn set_parameter_defaults<'a>(
    template: &str,
    defaults: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<String, TemplateError> {
    defaults
        .into_iter()
        .try_fold(template.to_owned(), |text, (name, value)| {
            set_parameter_default(&text, name, value)
        })
}

/// `value` as a double-quoted YAML scalar (always quoted: a version such as `1.10` or a bucket
/// name such as `true` must stay a string).
pub fn yaml_quoted(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn starts_top_level_key(line: &str) -> bool {
    is_content(line) && indentation(line) == 0
}

fn is_content(line: &str) -> bool {
    let trimmed = line.trim_start();
    !trimmed.is_empty() && !trimmed.starts_with('#')
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn line_ending(line: &str) -> &'static str {
    if line.ends_with("\r\n") { "\r\n" } else { "\n" }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "\
AWSTemplateFormatVersion: \"2010-09-09\"
Parameters:
  CodeBucket:
    Type: String
    # rewritten by package
    Default: studio-catalog-artifacts
    AllowedPattern: \"^[a-z0-9.-]+$\"
  NoDefault:
    Type: String

  Last:
    Type: Number
    Default: 4
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub ${CodeBucket}-copy
      Default: not-a-parameter
";

    #[test]
    fn an_existing_default_is_replaced_and_every_other_line_is_kept() {
        let rewritten = set_parameter_default(TEMPLATE, "CodeBucket", "my-bucket").unwrap();

        let expected = TEMPLATE.replace(
            "    Default: studio-catalog-artifacts\n",
            "    Default: \"my-bucket\"\n",
        );
        assert_eq!(rewritten, expected);
    }

    #[test]
    fn a_parameter_without_a_default_gets_one_below_its_name() {
        let rewritten = set_parameter_default(TEMPLATE, "NoDefault", "x").unwrap();

        assert!(rewritten.contains("  NoDefault:\n    Default: \"x\"\n    Type: String\n"));
    }

    #[test]
    fn the_last_parameter_of_the_section_is_found() {
        let rewritten = set_parameter_default(TEMPLATE, "Last", "8").unwrap();

        assert!(rewritten.contains("  Last:\n    Type: Number\n    Default: \"8\"\nResources:"));
        assert!(rewritten.contains("      Default: not-a-parameter\n"));
    }

    #[test]
    fn an_undeclared_parameter_is_an_error_naming_it() {
        let error = set_parameter_default(TEMPLATE, "Bucket", "x").unwrap_err();

        assert_eq!(error, TemplateError::UnknownParameter("Bucket".into()));
    }

    #[test]
    fn a_template_without_parameters_is_an_error() {
        let error = set_parameter_default("Resources: {}\n", "X", "y").unwrap_err();

        assert_eq!(error, TemplateError::NoParametersSection);
    }

    #[test]
    fn a_folded_default_is_refused_rather_than_half_rewritten() {
        let template =
            "Parameters:\n  Text:\n    Type: String\n    Default: >-\n      long\n      text\n";

        let error = set_parameter_default(template, "Text", "short").unwrap_err();

        assert_eq!(error, TemplateError::UnsupportedDefault("Text".into()));
    }

    #[test]
    fn values_are_quoted_so_they_stay_strings() {
        assert_eq!(yaml_quoted("1.10"), "\"1.10\"");
        assert_eq!(yaml_quoted("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
    }

    #[test]
    fn crlf_templates_keep_their_line_endings() {
        let template = TEMPLATE.replace('\n', "\r\n");

        let rewritten = set_parameter_default(&template, "CodeBucket", "b").unwrap();

        assert!(rewritten.contains("    Default: \"b\"\r\n"));
        assert!(!rewritten.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn several_defaults_are_set_in_one_pass() {
        let rewritten =
            set_parameter_defaults(TEMPLATE, [("CodeBucket", "a"), ("Last", "9")]).unwrap();

        assert!(rewritten.contains("    Default: \"a\"\n"));
        assert!(rewritten.contains("    Default: \"9\"\n"));
    }

    #[test]
    fn a_parameter_attribute_reads_as_yaml_reads_it() {
        let template = "\
Parameters:
  Plain:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /studio-catalog/code/bucket  # where the zips are
  Double:
    AllowedPattern: \"^[A-Za-z0-9!_.*'()/-]+\\\\.zip$\"
    Default: \"say \\\"hi\\\" \\u00e9\\x41\" # comment
  Single:
    Default: 'it''s'
";

        let read = |name, attribute| parameter_attribute(template, name, attribute).unwrap();

        assert_eq!(
            read("Plain", "Type").as_deref(),
            Some("AWS::SSM::Parameter::Value<String>")
        );
        assert_eq!(
            read("Plain", "Default").as_deref(),
            Some("/studio-catalog/code/bucket")
        );
        assert_eq!(
            read("Double", "AllowedPattern").as_deref(),
            Some("^[A-Za-z0-9!_.*'()/-]+\\.zip$")
        );
        assert_eq!(read("Double", "Default").as_deref(), Some("say \"hi\" éA"));
        assert_eq!(read("Single", "Default").as_deref(), Some("it's"));
        assert_eq!(read("Single", "Type"), None);
    }

    #[test]
    fn an_attribute_that_is_not_a_one_line_scalar_is_refused_naming_it() {
        for template in [
            "Parameters:\n  P:\n    Default: >-\n      folded\n",
            "Parameters:\n  P:\n    Default: \"unterminated\n",
            "Parameters:\n  P:\n    Default: [a, b]\n",
            "Parameters:\n  P:\n    Default: !Ref X\n",
            "Parameters:\n  P:\n    Default: \"bad \\q escape\"\n",
        ] {
            let error = parameter_attribute(template, "P", "Default").unwrap_err();

            assert_eq!(
                error,
                TemplateError::UnsupportedValue {
                    parameter: "P".into(),
                    attribute: "Default".into()
                },
                "{template}"
            );
        }
    }

    #[test]
    fn the_declared_parameters_are_listed_in_order() {
        assert_eq!(
            parameter_names(TEMPLATE).unwrap(),
            ["CodeBucket", "NoDefault", "Last"]
        );
        assert_eq!(
            parameter_names("Resources: {}\n").unwrap_err(),
            TemplateError::NoParametersSection
        );
    }

    #[test]
    fn the_project_templates_take_the_defaults_package_sets() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let functions = crate::package::functions(std::path::Path::new(root)).unwrap();
        for (file, parameters) in crate::package::rewritten_parameters(&functions) {
            let template = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
            for parameter in &parameters {
                let rewritten = set_parameter_default(&template, parameter, "value-set").unwrap();
                assert!(
                    rewritten.contains("Default: \"value-set\""),
                    "{file}: {parameter}"
                );
            }
        }
    }
}
