function __fivetran-notify_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __fivetran-notify_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __fivetran-notify_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __fivetran-notify_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __fivetran-notify_parse_tokens -S
    set -l unparsed_tokens (__fivetran-notify_tokens -pc)
    switch $unparsed_tokens[1]
    case 'fivetran-notify'
        __fivetran-notify_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'webhook'
            __fivetran-notify_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __fivetran-notify_parse_subcommand 0 'account' 'group=' 'url=' 'event=+' 'inactive' 'secret=' 'no-secret' 'run-tests' 'force' 'api-key=' 'api-secret=' 'api-url=' 'ca-file=' 'json' 'v/verbose' 'timeout=' 'version' 'h/help'
            case 'list'
                __fivetran-notify_parse_subcommand 0 'page-size=' 'api-key=' 'api-secret=' 'api-url=' 'ca-file=' 'json' 'v/verbose' 'timeout=' 'version' 'h/help'
            case 'get'
                __fivetran-notify_parse_subcommand 1 'api-key=' 'api-secret=' 'api-url=' 'ca-file=' 'json' 'v/verbose' 'timeout=' 'version' 'h/help'
            case 'update'
                __fivetran-notify_parse_subcommand 1 'url=' 'event=+' 'active' 'inactive' 'secret=' 'use-stored-key' 'force' 'api-key=' 'api-secret=' 'api-url=' 'ca-file=' 'json' 'v/verbose' 'timeout=' 'version' 'h/help'
            case 'delete'
                __fivetran-notify_parse_subcommand 1 'y/yes' 'api-key=' 'api-secret=' 'api-url=' 'ca-file=' 'json' 'v/verbose' 'timeout=' 'version' 'h/help'
            case 'test'
                __fivetran-notify_parse_subcommand 1 'event=' 'api-key=' 'api-secret=' 'api-url=' 'ca-file=' 'json' 'v/verbose' 'timeout=' 'version' 'h/help'
            end
        case 'keygen'
            __fivetran-notify_parse_subcommand 0 'force' 'show' 'rotate' 'drop-previous' 'if-missing' 'version' 'h/help'
        case 'listen'
            __fivetran-notify_parse_subcommand 0 'host=' 'port=' 'path=' 'state-dir=' 'database=' 'node-name=' 'slack-webhook-url=' 'pagerduty-routing-key=' 'teams-webhook-url=' 'forward-url=' 'slack-channel=' 'slack-bot-token=' 'slack-signing-secret=' 'slack-actions-path=' 'api-key=' 'api-secret=' 'api-url=' 'ca-file=' 'no-watch' 'watch-every=' 'public-url=' 'dry-run' 'events=' 'signing-key-file=' 'tls-cert=' 'tls-key=' 'log-format=' 'notify-resolved' 'no-notify-resolved' 'remind-every=' 'max-age=' 'request-timeout=' 'max-connections=' 'max-body-memory=' 'version' 'h/help'
        case 'send-test'
            __fivetran-notify_parse_subcommand 0 'url=' 'event=' 'status=' 'set=+' 'unsigned' 'bad-signature' 'lowercase' 'print' 'cacert=' 'version' 'h/help'
        case 'mute'
            __fivetran-notify_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __fivetran-notify_parse_subcommand 0 'connector=' 'dbt-job=' 'group=' 'event=' 'for=' 'reason=' 'state-dir=' 'database=' 'version' 'h/help'
            case 'list'
                __fivetran-notify_parse_subcommand 0 'json' 'state-dir=' 'database=' 'version' 'h/help'
            case 'remove'
                __fivetran-notify_parse_subcommand 1 'connector=' 'dbt-job=' 'group=' 'event=' 'state-dir=' 'database=' 'version' 'h/help'
            end
        case 'status'
            __fivetran-notify_parse_subcommand 0 'json' 'state-dir=' 'database=' 'version' 'h/help'
        case 'replay'
            __fivetran-notify_parse_subcommand 0 'failed' 'state-dir=' 'database=' 'version' 'h/help'
        case 'route'
            __fivetran-notify_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __fivetran-notify_parse_subcommand 0 'json' 'state-dir=' 'database=' 'version' 'h/help'
            case 'test'
                __fivetran-notify_parse_subcommand 1 'event=' 'status=' 'state-dir=' 'database=' 'version' 'h/help'
            end
        case 'slack'
            __fivetran-notify_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'manifest'
                __fivetran-notify_parse_subcommand 0 'public-url=' 'actions-path=' 'version' 'h/help'
            end
        case 'db'
            __fivetran-notify_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'import'
                __fivetran-notify_parse_subcommand 0 'from-state-dir=' 'database=' 'version' 'h/help'
            end
        case 'help'
            __fivetran-notify_parse_subcommand -r 1 'version'
        end
    end
end

function __fivetran-notify_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __fivetran-notify_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __fivetran-notify_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __fivetran-notify_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__fivetran-notify_tokens -p)
    if test -z "$(__fivetran-notify_tokens -t)"
        set -l index (count (__fivetran-notify_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'fivetran-notify' -f
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'webhook' -d 'Manage Fivetran webhooks through the REST API.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'keygen' -d 'Make and store the signing key (the webhooks\' secret).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'listen' -d 'Receive Fivetran webhook deliveries and send failures to Slack, PagerDuty, Teams or any HTTPS endpoint.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'send-test' -d 'Send a realistic, signed sample delivery to a listener.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'mute' -d 'Silence the alerts of a connector, a destination group or an event for a while.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'status' -d 'Show the Slack queue, the connectors failing now and the active mutes.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'replay' -d 'Put the messages Slack refused for good back in the queue (after fixing the Slack URL).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'route' -d 'See the routes and try their destinations (Slack, PagerDuty, Teams, a forward endpoint).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'slack' -d 'Set up the Slack app: alerts that update in place, with buttons.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'db' -d 'Manage the PostgreSQL database several listeners share.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify webhook" -eq 1' -fa 'create' -d 'Create an account or group webhook.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify webhook" -eq 1' -fa 'list' -d 'List every webhook (all pages); inactive ones are marked INACTIVE.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify webhook" -eq 1' -fa 'get' -d 'Show one webhook.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify webhook" -eq 1' -fa 'update' -d 'Change a webhook; only the fields given are sent.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify webhook" -eq 1' -fa 'delete' -d 'Delete a webhook (asks first on a terminal; needs --yes otherwise).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify webhook" -eq 1' -fa 'test' -d 'Ask Fivetran to send a test event to a webhook; exits 0 only if the receiver answered 2xx.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" account' -l 'account' -d 'Create an account webhook (events of every group).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" group' -l 'group' -d 'Create a webhook for this group (destination) id.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" url' -l 'url' -d 'Where Fivetran delivers the events (https only).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create"' -l 'event' -d 'An event to subscribe to; repeat it or give a comma list (default: sync_end,dbt_run_failed,connection_failure).' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" inactive' -l 'inactive' -d 'Create it inactive: Fivetran neither checks the URL nor sends events until it is activated.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" secret' -l 'secret' -d 'Use this secret instead of the stored signing key.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" no-secret' -l 'no-secret' -d 'Create an unsigned webhook on purpose (no secret).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" run-tests' -l 'run-tests' -d 'Afterwards, ask Fivetran to send a test of each subscribed event and report each result.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" force' -l 'force' -d 'Send a URL that is not https even though Fivetran will likely reject it.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" api-key' -l 'api-key' -d 'Fivetran API key (default: $FIVETRAN_API_KEY or $FIVETRAN_APIKEY, else api_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" api-secret' -l 'api-secret' -d 'Fivetran API secret (default: $FIVETRAN_API_SECRET or $FIVETRAN_APISECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" api-url' -l 'api-url' -d 'Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" ca-file' -l 'ca-file' -d 'PEM file of the certificate authorities to trust instead of the system\'s, as behind a proxy that inspects TLS (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy, $no_proxy.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" json' -l 'json' -d 'Print the API\'s data object as JSON on stdout and nothing else (for jq).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" v verbose' -l 'verbose' -s 'v' -d 'Trace each API request on stderr (the Authorization header is redacted).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" timeout' -l 'timeout' -d 'Seconds one API request may take.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" page-size' -l 'page-size' -d 'Webhooks per API request (Fivetran\'s limit, 1-1000).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" api-key' -l 'api-key' -d 'Fivetran API key (default: $FIVETRAN_API_KEY or $FIVETRAN_APIKEY, else api_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" api-secret' -l 'api-secret' -d 'Fivetran API secret (default: $FIVETRAN_API_SECRET or $FIVETRAN_APISECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" api-url' -l 'api-url' -d 'Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" ca-file' -l 'ca-file' -d 'PEM file of the certificate authorities to trust instead of the system\'s, as behind a proxy that inspects TLS (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy, $no_proxy.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" json' -l 'json' -d 'Print the API\'s data object as JSON on stdout and nothing else (for jq).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" v verbose' -l 'verbose' -s 'v' -d 'Trace each API request on stderr (the Authorization header is redacted).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" timeout' -l 'timeout' -d 'Seconds one API request may take.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" api-key' -l 'api-key' -d 'Fivetran API key (default: $FIVETRAN_API_KEY or $FIVETRAN_APIKEY, else api_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" api-secret' -l 'api-secret' -d 'Fivetran API secret (default: $FIVETRAN_API_SECRET or $FIVETRAN_APISECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" api-url' -l 'api-url' -d 'Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" ca-file' -l 'ca-file' -d 'PEM file of the certificate authorities to trust instead of the system\'s, as behind a proxy that inspects TLS (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy, $no_proxy.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" json' -l 'json' -d 'Print the API\'s data object as JSON on stdout and nothing else (for jq).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" v verbose' -l 'verbose' -s 'v' -d 'Trace each API request on stderr (the Authorization header is redacted).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" timeout' -l 'timeout' -d 'Seconds one API request may take.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" url' -l 'url' -d 'The new delivery URL (https only).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update"' -l 'event' -d 'The events to subscribe to, replacing the current ones; repeat it or give a comma list.' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" active' -l 'active' -d 'Activate the webhook (Fivetran checks its URL first).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" inactive' -l 'inactive' -d 'Deactivate the webhook: Fivetran sends it nothing.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" secret' -l 'secret' -d 'A new secret.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" use-stored-key' -l 'use-stored-key' -d 'Set the secret to the signing key stored by `keygen` (after `keygen --rotate`).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" force' -l 'force' -d 'Send a URL that is not https even though Fivetran will likely reject it.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" api-key' -l 'api-key' -d 'Fivetran API key (default: $FIVETRAN_API_KEY or $FIVETRAN_APIKEY, else api_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" api-secret' -l 'api-secret' -d 'Fivetran API secret (default: $FIVETRAN_API_SECRET or $FIVETRAN_APISECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" api-url' -l 'api-url' -d 'Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" ca-file' -l 'ca-file' -d 'PEM file of the certificate authorities to trust instead of the system\'s, as behind a proxy that inspects TLS (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy, $no_proxy.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" json' -l 'json' -d 'Print the API\'s data object as JSON on stdout and nothing else (for jq).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" v verbose' -l 'verbose' -s 'v' -d 'Trace each API request on stderr (the Authorization header is redacted).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" timeout' -l 'timeout' -d 'Seconds one API request may take.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook update" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" y yes' -s 'y' -l 'yes' -d 'Delete without asking.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" api-key' -l 'api-key' -d 'Fivetran API key (default: $FIVETRAN_API_KEY or $FIVETRAN_APIKEY, else api_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" api-secret' -l 'api-secret' -d 'Fivetran API secret (default: $FIVETRAN_API_SECRET or $FIVETRAN_APISECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" api-url' -l 'api-url' -d 'Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" ca-file' -l 'ca-file' -d 'PEM file of the certificate authorities to trust instead of the system\'s, as behind a proxy that inspects TLS (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy, $no_proxy.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" json' -l 'json' -d 'Print the API\'s data object as JSON on stdout and nothing else (for jq).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" v verbose' -l 'verbose' -s 'v' -d 'Trace each API request on stderr (the Authorization header is redacted).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" timeout' -l 'timeout' -d 'Seconds one API request may take.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook delete" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" event' -l 'event' -d 'The event Fivetran sends as a test.' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" api-key' -l 'api-key' -d 'Fivetran API key (default: $FIVETRAN_API_KEY or $FIVETRAN_APIKEY, else api_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" api-secret' -l 'api-secret' -d 'Fivetran API secret (default: $FIVETRAN_API_SECRET or $FIVETRAN_APISECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" api-url' -l 'api-url' -d 'Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" ca-file' -l 'ca-file' -d 'PEM file of the certificate authorities to trust instead of the system\'s, as behind a proxy that inspects TLS (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy, $no_proxy.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" json' -l 'json' -d 'Print the API\'s data object as JSON on stdout and nothing else (for jq).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" v verbose' -l 'verbose' -s 'v' -d 'Trace each API request on stderr (the Authorization header is redacted).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" timeout' -l 'timeout' -d 'Seconds one API request may take.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify webhook test" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify keygen" force' -l 'force' -d 'Overwrite an existing key (or, with --rotate, an earlier previous key).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify keygen" show' -l 'show' -d 'Print the stored key alone on stdout.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify keygen" rotate' -l 'rotate' -d 'Make a new key and keep the current one as the previous key.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify keygen" drop-previous' -l 'drop-previous' -d 'Forget the previous key: deliveries signed with it are refused from now on.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify keygen" if-missing' -l 'if-missing' -d 'Make a key only when none is stored (succeeds either way; for setup scripts).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify keygen" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify keygen" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" host' -l 'host' -d 'The address to listen on.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" port' -l 'port' -d 'The port to listen on (0 picks a free one).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" path' -l 'path' -d 'The path Fivetran posts deliveries to.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" state-dir' -l 'state-dir' -d 'Where the durable queue lives (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" database' -l 'database' -d 'The PostgreSQL that several listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml). Default: SQLite in the state directory.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" node-name' -l 'node-name' -d 'This listener\'s name in log lines and in status, with --database (default: the host name).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" slack-webhook-url' -l 'slack-webhook-url' -d 'The Slack incoming-webhook URL (else SLACK_WEBHOOK_URL, else slack_webhook_url in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" pagerduty-routing-key' -l 'pagerduty-routing-key' -d 'The PagerDuty Events API v2 routing key of the default route (else PAGERDUTY_ROUTING_KEY, else pagerduty_routing_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" teams-webhook-url' -l 'teams-webhook-url' -d 'The Microsoft Teams Workflows webhook URL of the default route (else TEAMS_WEBHOOK_URL, else teams_webhook_url in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" forward-url' -l 'forward-url' -d 'An HTTPS endpoint that receives each notice as signed JSON (else FORWARD_URL, else forward_url in config.toml; secret: FORWARD_SECRET or forward_secret).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" slack-channel' -l 'slack-channel' -d 'The Slack channel (C… id or #name) the default route posts to with the bot token (else SLACK_CHANNEL, else slack_channel in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" slack-bot-token' -l 'slack-bot-token' -d 'The Slack app\'s bot token, xoxb-… (else SLACK_BOT_TOKEN, else slack_bot_token or slack_bot_token_env in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" slack-signing-secret' -l 'slack-signing-secret' -d 'The Slack app\'s signing secret: turns on buttons (else SLACK_SIGNING_SECRET, else slack_signing_secret or slack_signing_secret_env in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" slack-actions-path' -l 'slack-actions-path' -d 'The path Slack posts button clicks to (else [slack] actions_path in config.toml, else /slack/actions).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" api-key' -l 'api-key' -d 'Fivetran API key for watching the account (default: $FIVETRAN_API_KEY, else api_key in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" api-secret' -l 'api-secret' -d 'Fivetran API secret (default: $FIVETRAN_API_SECRET, else api_secret in config.toml). Prefer the environment or config.toml: flags show in the process list.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" api-url' -l 'api-url' -d 'Fivetran API base URL (default: $FIVETRAN_API_URL, else api_url in config.toml, else https://api.fivetran.com/v1).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" ca-file' -l 'ca-file' -d 'PEM file of the certificate authorities that requests to Fivetran and the destinations trust instead of the system\'s (default: $SSL_CERT_FILE, else ca_file in config.toml). Proxies: $https_proxy and $no_proxy.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" no-watch' -l 'no-watch' -d 'Do not watch the account through the API even with credentials ([watch] enabled = false).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" watch-every' -l 'watch-every' -d 'How often to sweep the account: 5m, 15m, 1h; at least 1m (default: every in [watch], else 5m).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" public-url' -l 'public-url' -d 'The https URL Fivetran posts to, so the watch can find this listener\'s webhooks (default: public_url in [watch]).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" dry-run' -l 'dry-run' -d 'Print what would be sent to each destination on stdout instead of sending it.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" events' -l 'events' -d 'Events to forward, comma-separated (default: events in config.toml, else sync_end not SUCCESSFUL, dbt_run_failed, transformation_run_failed, transformation_failed, connection_failure).' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" signing-key-file' -l 'signing-key-file' -d 'A file holding the signing key (default: $FIVETRAN_SIGNING_KEY, else the keys stored by `keygen`).' -rF
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" tls-cert' -l 'tls-cert' -d 'Serve HTTPS with this PEM certificate chain (with --tls-key); SIGHUP reloads it.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" tls-key' -l 'tls-key' -d 'The PEM private key of --tls-cert.' -rfa '(set -l exts \'pem\' \'key\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" log-format' -l 'log-format' -d 'text (one line per delivery) or json.' -rfka 'text json'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" notify-resolved' -l 'notify-resolved' -d 'Post a "recovered" message when a connector whose failure was posted syncs successfully (default: notify_resolved in config.toml, else off).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" no-notify-resolved' -l 'no-notify-resolved' -d 'Post a "recovered" message when a connector whose failure was posted syncs successfully (default: notify_resolved in config.toml, else off).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" remind-every' -l 'remind-every' -d 'How long a connector that keeps failing the same way stays quiet before a reminder: 90s, 15m, 4h, 1d (default: remind_every in config.toml, else 4h).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" max-age' -l 'max-age' -d 'Deliveries created longer ago than this are stored but not forwarded, so late retries and replays stay quiet: 12h, 3d (default: max_age in config.toml, else 3d).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" request-timeout' -l 'request-timeout' -d 'A request must arrive whole within this long of its first byte, or its connection is closed: 10s, 30s, 2m (default: 30s).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" max-connections' -l 'max-connections' -d 'At most this many connections open at once; more wait in the kernel\'s backlog (default: 512).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" max-body-memory' -l 'max-body-memory' -d 'Request bodies in flight, across all connections, share this many MiB; a request that does not fit is answered 503 with Retry-After before its body is read (2 to 4096; default: 64).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify listen" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" url' -l 'url' -d 'The listener\'s delivery URL.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" event' -l 'event' -d 'The event to send.' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table test_event'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" status' -l 'status' -d 'Shortcut for --set data.status=S (for sync_end: SUCCESSFUL, FAILURE, FAILURE_WITH_TASK, RESCHEDULED, CANCELED).' -rfka 'SUCCESSFUL FAILURE FAILURE_WITH_TASK RESCHEDULED CANCELED FAILED'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test"' -l 'set' -d 'Override a field: a dotted path (array indexes as numbers) and a JSON value or a plain string.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" unsigned' -l 'unsigned' -d 'Send without a signature (the listener must answer 401).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" bad-signature' -l 'bad-signature' -d 'Send with a wrong signature (the listener must answer 401).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" lowercase' -l 'lowercase' -d 'Sign with lowercase hex instead of uppercase.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" print' -l 'print' -d 'Print the request (headers and body) instead of sending it.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" cacert' -l 'cacert' -d 'Trust only this PEM certificate (or CA) for an https:// listener, e.g. a self-signed --tls-cert.' -rfa '(set -l exts \'pem\' \'crt\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify send-test" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify mute" -eq 1' -fa 'add' -d 'Mute a connector, a dbt job, a destination group or an event; prints the mute\'s id.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify mute" -eq 1' -fa 'list' -d 'Show the active mutes: what they match, until when, and why.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify mute" -eq 1' -fa 'remove' -d 'End a mute early, by its id or by what it mutes.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" connector' -l 'connector' -d 'A connector id.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" dbt-job' -l 'dbt-job' -d 'A dbt job (transformation) id: its runs\' failures.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" group' -l 'group' -d 'A destination group id: every connector loading into it.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" event' -l 'event' -d 'An event name.' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table test_event'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" for' -l 'for' -d 'How long: 90s, 15m, 2h, 1d, 1h30m.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" reason' -l 'reason' -d 'Why, for whoever reads `mute list` later.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" state-dir' -l 'state-dir' -d 'The listener\'s state directory (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" database' -l 'database' -d 'The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of the state directory\'s.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute list" json' -l 'json' -d 'Print the mutes as a JSON array.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute list" state-dir' -l 'state-dir' -d 'The listener\'s state directory (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute list" database' -l 'database' -d 'The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of the state directory\'s.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute list" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" connector' -l 'connector' -d 'End every mute of this connector.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" dbt-job' -l 'dbt-job' -d 'End every mute of this dbt job.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" group' -l 'group' -d 'End every mute of this destination group.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" event' -l 'event' -d 'End every mute of this event.' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table test_event'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" state-dir' -l 'state-dir' -d 'The listener\'s state directory (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" database' -l 'database' -d 'The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of the state directory\'s.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify mute remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify status" json' -l 'json' -d 'Print the report as JSON.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify status" state-dir' -l 'state-dir' -d 'The listener\'s state directory (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify status" database' -l 'database' -d 'The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of the state directory\'s.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify status" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify replay" failed' -l 'failed' -d 'Re-queue the permanently failed messages (the only kind there is to replay).'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify replay" state-dir' -l 'state-dir' -d 'The listener\'s state directory (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify replay" database' -l 'database' -d 'The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of the state directory\'s.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify replay" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify replay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify route" -eq 1' -fa 'list' -d 'Every route in order (the default last): its name, what it matches, its destinations.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify route" -eq 1' -fa 'test' -d 'Send one test notice to every destination of a route and print each answer.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route list" json' -l 'json' -d 'Print the routes as JSON.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route list" state-dir' -l 'state-dir' -d 'The listener\'s state directory (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route list" database' -l 'database' -d 'The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of the state directory\'s.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route list" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route test" event' -l 'event' -d 'The sample event (default: sync_end).' -rfka 'sync_start sync_end status dbt_run_start dbt_run_succeeded dbt_run_failed transformation_run_start transformation_run_succeeded transformation_run_failed transformation_start transformation_succeeded transformation_failed connection_successful connection_failure create_connector pause_connector resume_connector edit_connector delete_connector force_update_connector resync_connector resync_table'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route test" status' -l 'status' -d 'The sample\'s data.status (default: FAILURE).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route test" state-dir' -l 'state-dir' -d 'The listener\'s state directory (default: $XDG_STATE_HOME/fivetran-notify, else ~/.local/state/fivetran-notify).' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route test" database' -l 'database' -d 'The PostgreSQL the listeners share (postgres://user:password@host:5432/dbname?sslmode=require; else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml): the shared state instead of the state directory\'s.' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route test" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify route test" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify slack" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify slack" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify slack" -eq 1' -fa 'manifest' -d 'Print the Slack app manifest (JSON) for this listener.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify slack manifest" public-url' -l 'public-url' -d 'The https address Slack reaches the listener at (http only for 127.0.0.1 or localhost).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify slack manifest" actions-path slack-actions-path' -l 'actions-path' -l 'slack-actions-path' -d 'The listener\'s path for button clicks (default: [slack] actions_path, else /slack/actions).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify slack manifest" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify slack manifest" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify db" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify db" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_positional "fivetran-notify db" -eq 1' -fa 'import' -d 'Move one listener\'s state (its SQLite file) into an empty PostgreSQL database, once.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify db import" from-state-dir' -l 'from-state-dir' -d 'The state directory of the listener to import.' -rfa '(__fivetran-notify_complete_directories)'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify db import" database' -l 'database' -d 'The PostgreSQL to fill (else FIVETRAN_NOTIFY_DATABASE_URL, else database_url in config.toml).' -rfka ''
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify db import" version' -l 'version' -d 'Show the version.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify db import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'fivetran-notify' -n '__fivetran-notify_should_offer_completions_for_flags_or_options "fivetran-notify help" version' -l 'version' -d 'Show the version.'
