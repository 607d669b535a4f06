//! The GitHub Action (`action.yml`) on a real two-commit repository: its script
//! (`scripts/action-escape`, all the action runs besides installing gclens, uploading the
//! SARIF and failing the job) is run the way the action runs it, with a real `git` and Go
//! toolchain, and what a pull request would show is checked (issue 18).

mod common;
use common::{ROOT, bin, go, go_env};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

/// `scripts/action-escape` in `dir` the way the action runs it (a Go toolchain, gclens).
fn action(dir: &Path, base: &str, out: &Path) -> Command {
    let mut c = Command::new(Path::new(ROOT).join("scripts/action-escape"));
    c.current_dir(dir)
        .envs(go_env())
        .env("GO", go())
        .env("GOCACHE", out.with_extension("gocache"))
        .env("GCLENS", bin())
        .env("GCLENS_BASE", base)
        .env("GCLENS_OUT", out)
        .env("NO_COLOR", "1");
    c
}

#[test]
fn the_action_annotates_uploads_and_gates_a_real_change() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("skipped: no git on this machine (the action runs on a git checkout)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    // the module one directory down, as in a monorepo (the action's working-directory)
    let module = repo.join("svc");
    let src = Path::new(ROOT).join("fixtures/programs/escapes");
    std::fs::create_dir_all(module.join("store")).unwrap();
    for f in ["go.mod", "main.go", "store/store.go"] {
        std::fs::copy(src.join(f), module.join(f)).unwrap();
    }
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "base"]);
    let base = git(&repo, &["rev-parse", "HEAD"]);
    // the pull request: a function that allocates, near the top, so every line below moves
    let main = std::fs::read_to_string(module.join("main.go")).unwrap();
    let anchor = "// Value does not escape - allocated on stack\n";
    let added = "func cachedUser(name string) *User {\n\tu := User{Name: name}\n\treturn &u\n}\n\n";
    std::fs::write(
        module.join("main.go"),
        main.replacen(anchor, &format!("{added}{anchor}"), 1),
    )
    .unwrap();
    git(&repo, &["commit", "-qam", "head"]);

    let out = tmp.path().join("out");
    let (gh_output, summary) = (tmp.path().join("gh-output"), tmp.path().join("summary.md"));
    let o = action(&module, &base, &out)
        .env("GITHUB_OUTPUT", &gh_output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");

    // annotations: the heap findings on the added lines, nothing on the moved ones
    let notes: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(notes.len(), 2, "{stdout}");
    assert!(
        notes
            .iter()
            .all(|l| l.starts_with("::warning file=svc/main.go,line=")),
        "{stdout}"
    );
    assert!(
        notes.iter().any(|l| l.contains("moved to heap: u")),
        "{stdout}"
    );

    // the outputs the later steps read
    let outputs = std::fs::read_to_string(&gh_output).unwrap();
    assert!(outputs.lines().any(|l| l == "new=2"), "{outputs}");
    let sarif_path = outputs
        .lines()
        .find_map(|l| l.strip_prefix("sarif="))
        .unwrap();
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(sarif_path).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif}");
    assert!(results.iter().all(|r| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "svc/main.go"
    }));
    let diff: Value = serde_json::from_str(
        &std::fs::read_to_string(
            outputs
                .lines()
                .find_map(|l| l.strip_prefix("diff="))
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(diff["added"].as_array().unwrap().len(), 2);
    assert!(diff["removed"].as_array().unwrap().is_empty());
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("cachedUser"), "{md}");
    // the base's worktree is gone
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);

    // the same commit as its own base: nothing new, nothing annotated
    let o = action(&module, "HEAD", &tmp.path().join("out2"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout.lines().any(|l| l == "new=0"), "{stdout}");
    assert!(!stdout.lines().any(|l| l.starts_with("::")), "{stdout}");
}

/// The action runs the script this test runs, and every input it reads is declared.
#[test]
fn action_yml_runs_the_tested_script_with_declared_inputs() {
    let y = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    assert!(y.contains("\"$GITHUB_ACTION_PATH/scripts/action-escape\""));
    assert!(y.contains("using: composite"));
    let declared: Vec<&str> = y
        .split("\ninputs:\n")
        .nth(1)
        .unwrap()
        .split("\noutputs:\n")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|k| !k.starts_with(' '))
        .collect();
    for used in y.split("inputs.").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(
            declared.contains(&name.as_str()),
            "inputs.{name} is not declared: {declared:?}"
        );
    }
    for env in ["GCLENS_BASE", "GCLENS_PACKAGES", "GCLENS_LEVEL"] {
        let script =
            std::fs::read_to_string(Path::new(ROOT).join("scripts/action-escape")).unwrap();
        assert!(y.contains(env) && script.contains(env), "{env}");
    }
}

/// docs/action.md documents every input (with its default) and output of action.yml,
/// and nothing it does not have (issue 27).
#[test]
fn the_action_docs_table_matches_action_yml() {
    let yml = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/action.md")).unwrap();
    // `inputs:`/`outputs:` blocks: a name at two spaces, its fields at four
    let mut section = "";
    let mut names: Vec<(String, String)> = vec![];
    for l in yml.lines() {
        if !l.starts_with(' ') {
            section = l.trim_end_matches(':');
        } else if let Some(n) = l.strip_prefix("  ").and_then(|r| r.strip_suffix(':'))
            && !n.starts_with(' ')
            && (section == "inputs" || section == "outputs")
        {
            names.push((section.to_string(), n.to_string()));
        } else if let Some(d) = l.strip_prefix("    default: ")
            && section == "inputs"
        {
            let (_, name) = names.last().unwrap();
            let d = d.trim_matches('"');
            let row = doc
                .lines()
                .find(|r| r.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("docs/action.md: no row for input {name}"));
            if !d.is_empty() {
                assert!(
                    row.contains(&format!("| `{d}` |")),
                    "{name}: default {d}: {row}"
                );
            }
        }
    }
    assert!(names.len() >= 10, "{names:?}");
    for (_, n) in &names {
        assert!(
            doc.contains(&format!("| `{n}` |")),
            "docs/action.md: no row for {n}"
        );
    }
    let rows = doc.lines().filter(|r| r.starts_with("| `")).count();
    assert_eq!(rows, names.len(), "docs/action.md rows vs action.yml");
}
