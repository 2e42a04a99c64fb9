package io.mediafanout.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The PromQL of {@code deploy/components/grafana-dashboard}: every expression of the dashboard (panels and template
 * variables) and of the alert rules, and the metric names they query.
 */
public final class Monitoring {

    public static final Path COMPONENT = Path.of("deploy/components/grafana-dashboard");

    /**
     * Metrics the dashboard and rules read that this service does not export, and who does: checked by name only.
     */
    public static final Map<String, String> EXTERNAL = Map.of(
            "container_memory_working_set_bytes", "the kubelet's cAdvisor",
            "kube_pod_status_ready", "kube-state-metrics");

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "bool", "offset", "inf", "nan");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private Monitoring() {
    }

    /** An expression and where it is. */
    public record Expression(String where, String promql) {
    }

    public static List<Expression> dashboard() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(COMPONENT.resolve("media-fanout.json")));
        List<Expression> found = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                found.add(new Expression("panel \"" + panel.path("title").asText() + "\" " + target.path("refId").asText(),
                        target.path("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                String query = variable.path("query").path("query").asText(variable.path("query").asText());
                // label_values(metric, label): the metric
                Matcher m = Pattern.compile("label_values\\(\\s*([^,]+),").matcher(query);
                found.add(new Expression("variable " + variable.path("name").asText(), m.find() ? m.group(1) : query));
            }
        }
        return found;
    }

    public static List<Expression> rules() throws IOException {
        JsonNode rule = new ObjectMapper(new YAMLFactory()).readTree(COMPONENT.resolve("prometheusrule.yaml").toFile());
        List<Expression> found = new ArrayList<>();
        for (JsonNode group : rule.path("spec").path("groups")) {
            for (JsonNode r : group.path("rules")) {
                found.add(new Expression("alert " + r.path("alert").asText(), r.path("expr").asText()));
            }
        }
        return found;
    }

    /** The dashboard's form of {@code promql} with Grafana's variables replaced by values PromQL accepts. */
    public static String withoutGrafanaVariables(String promql) {
        return promql.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$namespace", "media");
    }

    /**
     * The metric names an expression selects: identifiers outside strings, label matchers, ranges and grouping
     * clauses that are not functions, aggregations or keywords.
     */
    public static Set<String> metricNames(String promql) {
        String text = STRING.matcher(withoutGrafanaVariables(promql)).replaceAll("\"\"");
        text = text.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(text);
        while (m.find()) {
            String name = m.group();
            int next = m.end();
            while (next < text.length() && Character.isWhitespace(text.charAt(next))) {
                next++;
            }
            boolean call = next < text.length() && text.charAt(next) == '(';
            boolean number = m.start() > 0 && (Character.isDigit(text.charAt(m.start() - 1)) || text.charAt(m.start() - 1) == '.');
            if (!call && !number && !KEYWORDS.contains(name.toLowerCase())) {
                names.add(name);
            }
        }
        return names;
    }
}
