/**
 * Linear evaluation of a backbone: the online validation during pre-training and the offline
 * linear probe after it (on cached or augmented features), with top-1 counted over replicas.
 */
package org.scrl4j.eval;
