#!/bin/bash

__fivetran-notify_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__fivetran-notify_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__fivetran-notify_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__fivetran-notify_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_fivetran-notify() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __fivetran-notify_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    webhook|keygen|listen|send-test|mute|status|replay|route|slack|db|help)
        # Offer subcommand argument completions
        "_fivetran-notify_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'webhook keygen listen send-test mute status replay route slack db help' -- "${cur}"))
        ;;
    esac
}

_fivetran-notify_webhook() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __fivetran-notify_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|list|get|update|delete|test)
        # Offer subcommand argument completions
        "_fivetran-notify_webhook_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create list get update delete test' -- "${cur}"))
        ;;
    esac
}

_fivetran-notify_webhook_create() {
    repeating_flags=()
    non_repeating_flags=(--account --inactive --no-secret --run-tests --force --json --verbose -v --version -h --help)
    repeating_options=(--event)
    non_repeating_options=(--group --url --secret --api-key --api-secret --api-url --ca-file --timeout)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--group')
        return
        ;;
    '--url')
        return
        ;;
    '--event')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'
        return
        ;;
    '--secret')
        return
        ;;
    '--api-key')
        return
        ;;
    '--api-secret')
        return
        ;;
    '--api-url')
        return
        ;;
    '--ca-file')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_fivetran-notify_webhook_list() {
    repeating_flags=()
    non_repeating_flags=(--json --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--page-size --api-key --api-secret --api-url --ca-file --timeout)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--page-size')
        return
        ;;
    '--api-key')
        return
        ;;
    '--api-secret')
        return
        ;;
    '--api-url')
        return
        ;;
    '--ca-file')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_fivetran-notify_webhook_get() {
    repeating_flags=()
    non_repeating_flags=(--json --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--api-key --api-secret --api-url --ca-file --timeout)
    __fivetran-notify_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--api-key')
        return
        ;;
    '--api-secret')
        return
        ;;
    '--api-url')
        return
        ;;
    '--ca-file')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_fivetran-notify_webhook_update() {
    repeating_flags=()
    non_repeating_flags=(--active --inactive --use-stored-key --force --json --verbose -v --version -h --help)
    repeating_options=(--event)
    non_repeating_options=(--url --secret --api-key --api-secret --api-url --ca-file --timeout)
    __fivetran-notify_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--url')
        return
        ;;
    '--event')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'
        return
        ;;
    '--secret')
        return
        ;;
    '--api-key')
        return
        ;;
    '--api-secret')
        return
        ;;
    '--api-url')
        return
        ;;
    '--ca-file')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_fivetran-notify_webhook_delete() {
    repeating_flags=()
    non_repeating_flags=(-y --yes --json --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--api-key --api-secret --api-url --ca-file --timeout)
    __fivetran-notify_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--api-key')
        return
        ;;
    '--api-secret')
        return
        ;;
    '--api-url')
        return
        ;;
    '--ca-file')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_fivetran-notify_webhook_test() {
    repeating_flags=()
    non_repeating_flags=(--json --verbose -v --version -h --help)
    repeating_options=()
    non_repeating_options=(--event --api-key --api-secret --api-url --ca-file --timeout)
    __fivetran-notify_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--event')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'
        return
        ;;
    '--api-key')
        return
        ;;
    '--api-secret')
        return
        ;;
    '--api-url')
        return
        ;;
    '--ca-file')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--timeout')
        return
        ;;
    esac
}

_fivetran-notify_keygen() {
    repeating_flags=()
    non_repeating_flags=(--force --show --rotate --drop-previous --if-missing --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __fivetran-notify_offer_flags_options 0
}

_fivetran-notify_listen() {
    repeating_flags=()
    non_repeating_flags=(--no-watch --dry-run --notify-resolved --no-notify-resolved --version -h --help)
    repeating_options=()
    non_repeating_options=(--host --port --path --state-dir --database --node-name --slack-webhook-url --pagerduty-routing-key --teams-webhook-url --forward-url --slack-channel --slack-bot-token --slack-signing-secret --slack-actions-path --api-key --api-secret --api-url --ca-file --watch-every --public-url --events --signing-key-file --tls-cert --tls-key --log-format --remind-every --max-age --request-timeout --max-connections --max-body-memory)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--path')
        return
        ;;
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    '--node-name')
        return
        ;;
    '--slack-webhook-url')
        return
        ;;
    '--pagerduty-routing-key')
        return
        ;;
    '--teams-webhook-url')
        return
        ;;
    '--forward-url')
        return
        ;;
    '--slack-channel')
        return
        ;;
    '--slack-bot-token')
        return
        ;;
    '--slack-signing-secret')
        return
        ;;
    '--slack-actions-path')
        return
        ;;
    '--api-key')
        return
        ;;
    '--api-secret')
        return
        ;;
    '--api-url')
        return
        ;;
    '--ca-file')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--watch-every')
        return
        ;;
    '--public-url')
        return
        ;;
    '--events')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'
        return
        ;;
    '--signing-key-file')
        __fivetran-notify_add_completions -f
        return
        ;;
    '--tls-cert')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    '--tls-key')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|key)'
        return
        ;;
    '--log-format')
        __fivetran-notify_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--remind-every')
        return
        ;;
    '--max-age')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--max-connections')
        return
        ;;
    '--max-body-memory')
        return
        ;;
    esac
}

_fivetran-notify_send-test() {
    repeating_flags=()
    non_repeating_flags=(--unsigned --bad-signature --lowercase --print --version -h --help)
    repeating_options=(--set)
    non_repeating_options=(--url --event --status --cacert)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--url')
        return
        ;;
    '--event')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'$'\n''test_event'
        return
        ;;
    '--status')
        __fivetran-notify_add_completions -W 'SUCCESSFUL'$'\n''FAILURE'$'\n''FAILURE_WITH_TASK'$'\n''RESCHEDULED'$'\n''CANCELED'$'\n''FAILED'
        return
        ;;
    '--set')
        return
        ;;
    '--cacert')
        __fivetran-notify_add_completions -o plusdirs -fX '!*.@(pem|crt)'
        return
        ;;
    esac
}

_fivetran-notify_mute() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __fivetran-notify_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list|remove)
        # Offer subcommand argument completions
        "_fivetran-notify_mute_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list remove' -- "${cur}"))
        ;;
    esac
}

_fivetran-notify_mute_add() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--connector --dbt-job --group --event --for --reason --state-dir --database)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--connector')
        return
        ;;
    '--dbt-job')
        return
        ;;
    '--group')
        return
        ;;
    '--event')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'$'\n''test_event'
        return
        ;;
    '--for')
        return
        ;;
    '--reason')
        return
        ;;
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_mute_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--state-dir --database)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_mute_remove() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--connector --dbt-job --group --event --state-dir --database)
    __fivetran-notify_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--connector')
        return
        ;;
    '--dbt-job')
        return
        ;;
    '--group')
        return
        ;;
    '--event')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'$'\n''test_event'
        return
        ;;
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_status() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--state-dir --database)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_replay() {
    repeating_flags=()
    non_repeating_flags=(--failed --version -h --help)
    repeating_options=()
    non_repeating_options=(--state-dir --database)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_route() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __fivetran-notify_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|test)
        # Offer subcommand argument completions
        "_fivetran-notify_route_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list test' -- "${cur}"))
        ;;
    esac
}

_fivetran-notify_route_list() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--state-dir --database)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_route_test() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--event --status --state-dir --database)
    __fivetran-notify_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--event')
        __fivetran-notify_add_completions -W 'sync_start'$'\n''sync_end'$'\n''status'$'\n''dbt_run_start'$'\n''dbt_run_succeeded'$'\n''dbt_run_failed'$'\n''transformation_run_start'$'\n''transformation_run_succeeded'$'\n''transformation_run_failed'$'\n''transformation_start'$'\n''transformation_succeeded'$'\n''transformation_failed'$'\n''connection_successful'$'\n''connection_failure'$'\n''create_connector'$'\n''pause_connector'$'\n''resume_connector'$'\n''edit_connector'$'\n''delete_connector'$'\n''force_update_connector'$'\n''resync_connector'$'\n''resync_table'
        return
        ;;
    '--status')
        return
        ;;
    '--state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_slack() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __fivetran-notify_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    manifest)
        # Offer subcommand argument completions
        "_fivetran-notify_slack_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'manifest' -- "${cur}"))
        ;;
    esac
}

_fivetran-notify_slack_manifest() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--public-url --actions-path --slack-actions-path)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--public-url')
        return
        ;;
    '--actions-path'|'--slack-actions-path')
        return
        ;;
    esac
}

_fivetran-notify_db() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __fivetran-notify_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    import)
        # Offer subcommand argument completions
        "_fivetran-notify_db_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'import' -- "${cur}"))
        ;;
    esac
}

_fivetran-notify_db_import() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--from-state-dir --database)
    __fivetran-notify_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--from-state-dir')
        __fivetran-notify_add_completions -d
        return
        ;;
    '--database')
        return
        ;;
    esac
}

_fivetran-notify_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __fivetran-notify_offer_flags_options -1
}

complete -o filenames -F _fivetran-notify fivetran-notify
