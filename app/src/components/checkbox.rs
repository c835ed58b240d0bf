//! A labelled checkbox that posts `name=true` when ticked (and nothing when not).

use leptos::prelude::*;

/// One checkbox with its label and an optional hint.
#[component]
pub fn Checkbox(
    #[prop(into)] id: String,
    name: &'static str,
    #[prop(into)] label: String,
    #[prop(optional)] checked: bool,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let described_by = hint.is_some().then(|| hint_id.clone());
    view! {
        <div class="checkbox">
            <input
                type="checkbox"
                id=id.clone()
                name=name
                value="true"
                checked=checked
                aria-describedby=described_by
            />
            <div>
                <label for=id>{label}</label>
                {hint.map(|hint| view! { <p class="field-hint" id=hint_id>{hint}</p> })}
            </div>
        </div>
    }
}
