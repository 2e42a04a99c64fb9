package io.mediafanout.inngest;

/**
 * Chooses which of the application's {@link FunctionDefinition} beans are served. Without a bean of this type every
 * one is; with one (at most one may be active), only those it accepts. An application uses it to serve another set
 * of functions under a switch (a benchmark twin, say) without its own functions knowing of that switch.
 */
public interface FunctionSelection {

    /**
     * Whether the functions of the bean class {@code declaringClass} (the class of a producer method, or the bean's
     * own class) are served. Asked before the function is created, so a function not served is never built.
     */
    boolean serves(Class<?> declaringClass);
}
